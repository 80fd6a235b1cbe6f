"""KV403 keyvault-challenge-verification-disabled: a Key Vault client with verify_challenge_resource=False."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import keywords


class ChallengeVerificationDisabled(Rule):
    code = "KV403"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call in analysis.index.calls:
            argument = keywords(call).get("verify_challenge_resource")
            if argument is None or not _is_false(analysis, argument.value):
                continue
            qual = analysis.callee(call)
            tag = kvtypes.constructed(qual) if qual else None
            if tag is None or kvtypes.category(tag) != "kv-client":
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


def _is_false(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        if expr.value == "False":
            return True
        values = analysis.assigned_values(expr)
        return bool(values) and isinstance(values[-1], cst.Name) and values[-1].value == "False"
    return False
