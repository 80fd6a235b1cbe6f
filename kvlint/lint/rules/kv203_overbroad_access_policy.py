"""KV203 keyvault-overbroad-access-policy: an access policy granting 'all' or 'purge'."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.mgmt import overbroad_grants
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class OverbroadAccessPolicy(Rule):
    """One finding per permission list (a ``Permissions`` object, its fields given to the
    constructor or assigned as attributes, or an ARM ``permissions`` dict), at its first
    over-broad field, naming every field that is over-broad."""

    code = "KV203"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for found in overbroad_grants(analysis):
            granted = "; ".join(
                f"{' and '.join(repr(name) for name in f.granted)} on {f.field}" for f in found
            )
            names = {name for f in found for name in f.granted}
            why = []  # only what was granted is explained
            if "all" in names:
                why.append("'all' includes purge (permanent deletion) and every future permission")
            if names - {"all"}:
                why.append("'purge' destroys soft-deleted items for good")
            yield Report(
                "KV203",
                found[0].value,
                (
                    f"access policy grants {granted}: {'; '.join(why)}. Grant the operations the "
                    f"caller needs (e.g. get, list) and keep purge with a break-glass identity."
                ),
            )
