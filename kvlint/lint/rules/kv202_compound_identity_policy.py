"""KV202 keyvault-compound-identity-policy: an access policy with an application id (a compound identity)."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.mgmt import constructs, entries, is_access_policy_dict
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg
from kvlint.lint.semantic.values import SET, emptiness


class CompoundIdentityPolicy(Rule):
    code = "KV202"
    MESSAGE = (
        "access policy with an application id is a compound identity: it grants access only to "
        "that application acting on behalf of the user/principal, so the principal calling on "
        "its own gets 403 Forbidden. Drop application_id and grant the object id directly."
    )

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call in analysis.index.calls:
            if constructs(analysis, call, "AccessPolicyEntry"):
                application = arg(call, "application_id")
                if application is not None and emptiness(analysis, application.value) == SET:
                    yield Report("KV202", application.value, self.MESSAGE)
        for node in analysis.index.dicts:
            if not is_access_policy_dict(analysis, node):
                continue
            value = entries(analysis, node).get("applicationid")
            if value is not None and emptiness(analysis, value) == SET:
                yield Report("KV202", value, self.MESSAGE)
