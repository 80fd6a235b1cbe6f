"""KV401 keyvault-secret-exposed: a secret value written to a log, a web app's stdout or an HTTP response."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.exposure import (
    SECRET_OBJECT,
    SECRET_VALUE,
    SINK_VERBS,
    exposures,
)
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

MESSAGE = (
    "Key Vault secret value {where}: logs, consoles and responses are read by far more people "
    "and systems than the vault's access policy allows. {advice}, and keep the value in memory "
    "only."
)


class SecretExposed(Rule):
    code = "KV401"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for exposure in exposures(analysis):
            if exposure.sink == "print":
                continue  # KV404
            kinds = exposure.kinds
            if SECRET_VALUE in kinds or (SECRET_OBJECT in kinds and exposure.whole):
                message = MESSAGE.format(
                    where=exposure.where,
                    advice=f"{SINK_VERBS[exposure.sink]} the secret's name or version instead",
                )
                yield Report("KV401", exposure.node, message)
