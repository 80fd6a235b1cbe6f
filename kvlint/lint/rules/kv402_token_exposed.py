"""KV402 keyvault-token-exposed: an access token written to a log, a web app's stdout or an HTTP response."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.exposure import SINK_VERBS, TOKEN, exposures
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

MESSAGE = (
    "access token {where}: anyone who reads it can call Key Vault (and anything else in its "
    "audience) as this identity until it expires. {verb} the expiry (expires_on) or the "
    "token's claims you need, never the token."
)


class TokenExposed(Rule):
    code = "KV402"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for exposure in exposures(analysis):
            if exposure.sink == "print" and not exposure.web:
                continue  # a script's stdout is its output (samples, CLI tools)
            if TOKEN in exposure.kinds:
                message = MESSAGE.format(where=exposure.where, verb=SINK_VERBS[exposure.sink])
                yield Report("KV402", exposure.node, message)
