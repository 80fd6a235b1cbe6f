"""KV404 keyvault-secret-printed: a secret value printed to stdout or stderr, in any module."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.exposure import SECRET_VALUE, exposures
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

MESSAGE = (
    "Key Vault secret value printed: stdout and stderr end up in CI job logs, platform log "
    "streams, terminal recordings and shell history, outside the vault's access control. Print "
    "the secret's name or version instead (a script that must print the value can turn KV404 "
    "off for itself: # kvlint: ignore[KV404])."
)


class SecretPrinted(Rule):
    code = "KV404"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for exposure in exposures(analysis):
            if exposure.sink == "print" and SECRET_VALUE in exposure.kinds:
                yield Report("KV404", exposure.node, MESSAGE)
