"""KV203 keyvault-overbroad-access-policy: an access policy granting 'all' or 'purge'."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.mgmt import (
    PERMISSION_KINDS,
    entries,
    is_access_policy_dict,
    permission_lists,
    permissions_granted,
    resolve,
)
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

OVERBROAD = ("all", "purge")


class OverbroadAccessPolicy(Rule):
    """One finding per permission list (a ``Permissions`` object, its fields given to the
    constructor or assigned as attributes, or an ARM ``permissions`` dict), at its first
    over-broad field, naming every field that is over-broad."""

    code = "KV203"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for fields in permission_lists(analysis):
            yield from self._check(analysis, fields)
        for node in analysis.index.dicts:
            if not is_access_policy_dict(analysis, node):
                continue
            permissions = resolve(analysis, entries(analysis, node)["permissions"])
            if isinstance(permissions, cst.Dict):
                yield from self._check(analysis, list(entries(analysis, permissions).items()))

    def _check(
        self, analysis: Analysis, fields: list[tuple[str, cst.BaseExpression]]
    ) -> Iterator[Report]:
        found = []  # (field, value, over-broad names)
        for field, value in fields:
            if field not in PERMISSION_KINDS:
                continue
            bad = sorted({n for n in permissions_granted(analysis, value) if n in OVERBROAD})
            if bad:
                found.append((field, value, bad))
        if not found:
            return
        granted = "; ".join(
            f"{' and '.join(repr(name) for name in bad)} on {field}" for field, _, bad in found
        )
        names = {name for _, _, bad in found for name in bad}
        why = []  # only what was granted is explained
        if "all" in names:
            why.append("'all' includes purge (permanent deletion) and every future permission")
        if names - {"all"}:
            why.append("'purge' destroys soft-deleted items for good")
        yield Report(
            "KV203",
            found[0][1],
            (
                f"access policy grants {granted}: {'; '.join(why)}. Grant the operations the "
                f"caller needs (e.g. get, list) and keep purge with a break-glass identity."
            ),
        )
