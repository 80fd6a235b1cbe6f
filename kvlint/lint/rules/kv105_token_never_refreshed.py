"""KV105 keyvault-token-never-refreshed: an access token captured once and reused until it expires."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.dataflow import sub_expressions
from kvlint.lint.semantic.model import Analysis

TOKEN_EXPIRY_WORDS = ("expires_on", "expires_in", "expireson", "refresh_on", "expiresin")


class TokenNeverRefreshed(Rule):
    code = "KV105"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        # One finding per cause: a module-level ``HEADERS = {"Authorization": TOKEN}`` built from
        # an already reported ``TOKEN = ....token`` is the same pinned token, not a second one.
        # (Pinning it into a session's headers is reported: that is a second place to fix.)
        pinned: set[str] = set()
        for target, value, stmt in analysis.index.assignments:
            scope = analysis.scope_of(stmt)
            if scope.kind in ("module", "class"):
                named = isinstance(target, cst.Name)
                if self._holds_token(analysis, value, pinned if named else set()):
                    if named:
                        pinned.add(target.value)
                    where = "module" if scope.kind == "module" else "class"
                    yield Report(
                        "KV105",
                        value,
                        (
                            f"access token captured once at {where} level and reused: it expires "
                            f"(typically after 60-90 minutes) and Key Vault then answers 401. Keep "
                            f"the credential and call get_token() when needed (azure-identity "
                            f"caches and refreshes), or use the Key Vault SDK clients."
                        ),
                    )
            elif (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == "self"
                and self._holds_token(analysis, value, set())
            ):
                function = analysis.enclosing_function(stmt)
                cls = analysis.enclosing_class(stmt)
                if function is None or function.name.value != "__init__" or cls is None:
                    continue
                if self._class_checks_expiry(analysis, cls):
                    continue
                yield Report(
                    "KV105",
                    value,
                    (
                        f"access token stored in self.{target.attr.value} in __init__ and never "
                        f"refreshed (nothing in the class reads expires_on / expires_in): after it "
                        f"expires every Key Vault call gets 401. Store the credential and call "
                        f"get_token() per use (azure-identity caches tokens and refreshes them)."
                    ),
                )
        yield from self._pinned_session_headers(analysis)

    def _pinned_session_headers(self, analysis: Analysis) -> Iterator[Report]:
        """``session.headers.update({"Authorization": ... token ...})`` at module level."""
        for call in analysis.index.calls:
            func = call.func
            if not (
                isinstance(func, cst.Attribute)
                and func.attr.value == "update"
                and isinstance(func.value, cst.Attribute)
                and func.value.attr.value == "headers"
                and call.args
                and analysis.enclosing_function(call) is None
            ):
                continue
            if self._holds_token(analysis, call.args[0].value, set()):
                yield Report(
                    "KV105",
                    call.args[0].value,
                    (
                        "access token pinned in a session's default headers at import time: it "
                        "expires (typically after 60-90 minutes) and every later request gets 401. "
                        "Set the Authorization header per request from credential.get_token() "
                        "(cached and refreshed by azure-identity), or use the Key Vault SDK clients."
                    ),
                )

    @staticmethod
    def _holds_token(analysis: Analysis, value: cst.BaseExpression, pinned: set[str]) -> bool:
        """``value`` holds a token string, other than through a name already reported."""
        if isinstance(value, (cst.Lambda,)):
            return False
        for node in sub_expressions(value):
            if isinstance(node, cst.Name) and node.value in pinned:
                continue
            if isinstance(node, cst.BaseExpression) and any(
                kvtypes.category(t) == "token-string" for t in analysis.types_of(node)
            ):
                return True
        return False

    @staticmethod
    def _class_checks_expiry(analysis: Analysis, cls: cst.ClassDef) -> bool:
        for node in sub_expressions(cls, nested=True):
            if isinstance(node, cst.Attribute) and node.attr.value.lower() in TOKEN_EXPIRY_WORDS:
                return True
            if isinstance(node, cst.SimpleString):
                text = node.raw_value.lower()
                if text in TOKEN_EXPIRY_WORDS:
                    return True
        return False
