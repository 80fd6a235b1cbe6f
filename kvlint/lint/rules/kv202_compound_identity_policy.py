"""KV202 keyvault-compound-identity-policy: an access policy with an application id (a compound identity)."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.mgmt import policy_application_ids
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class CompoundIdentityPolicy(Rule):
    code = "KV202"
    MESSAGE = (
        "access policy with an application id is a compound identity: it grants access only to "
        "that application acting on behalf of the user/principal, so the principal calling on "
        "its own gets 403 Forbidden. Drop application_id and grant the object id directly."
    )

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for application_id in policy_application_ids(analysis):
            yield Report("KV202", application_id, self.MESSAGE)
