"""KV403 keyvault-challenge-verification-disabled: a Key Vault client with verify_challenge_resource=False."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.kv_calls import kv_constructors
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import keywords
from kvlint.lint.semantic.values import is_false


class ChallengeVerificationDisabled(Rule):
    code = "KV403"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call, tag in kv_constructors(analysis):
            argument = keywords(call).get("verify_challenge_resource")
            if (
                argument is None
                or kvtypes.category(tag) != "kv-client"
                or not is_false(analysis, argument.value)
            ):
                continue
            yield Report(
                "KV403",
                argument,
                (
                    "verify_challenge_resource=False lets the client send its Key Vault token to "
                    "whatever resource a server's 401 challenge names, so a spoofed or mistyped "
                    "vault URL can harvest it. Keep the default (True); for private or custom "
                    "domains, fix the vault URL instead."
                ),
            )
