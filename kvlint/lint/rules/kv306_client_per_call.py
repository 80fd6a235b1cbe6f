"""KV306 keyvault-client-per-call: a credential or Key Vault client built per call, per request or per loop iteration."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.caching import is_cached
from kvlint.lint.facts.kv_calls import accessor_reads, auth_callbacks, kv_constructors
from kvlint.lint.facts.loops import from_loop_item, loops_of
from kvlint.lint.facts.web import request_context
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.dataflow import callers
from kvlint.lint.semantic.model import Analysis

NOT_PER_CALL = ("__init__", "main", "__aenter__", "setUp", "setup")


class ClientPerCall(Rule):
    code = "KV306"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call, tag in kv_constructors(analysis):
            where = self._where(analysis, call)
            if where is None or is_cached(analysis, call):
                continue
            name = tag.split(":", 1)[1]
            what = "credential" if kvtypes.category(tag) == "credential" else "Key Vault client"
            yield Report(
                "KV306",
                call,
                (
                    f"new {name} ({what}) built {where}: each one starts without a token cache "
                    f"or connection pool, so every call also asks Azure AD for a token and opens "
                    f"new connections, multiplying requests until they are throttled (429). "
                    f"Create the credential and client once - at module level, at app startup, "
                    f"or in an @functools.cache factory - and reuse them."
                ),
            )

    @staticmethod
    def _where(analysis: Analysis, call: cst.Call) -> str | None:
        for loop in loops_of(analysis, call):
            per_item = from_loop_item(analysis, loop, [a.value for a in call.args])
            if not per_item:  # one client per vault / tenant is fine, one per item is not
                return f"inside a {loop.described}"
        context = request_context(analysis, call)
        if context is not None:
            return f"on every request ({context.describe()})"
        function = analysis.enclosing_function(call)
        if function is None or function.name.value in NOT_PER_CALL:
            return None
        if function in auth_callbacks(analysis):
            return f"in {function.name.value}(), the authentication callback run for every request"
        if accessor_reads(analysis, function):
            return f"in {function.name.value}(), on every call of this accessor"
        accessor = (
            _factory_for_accessor(analysis, function, 0) if _current_sdk(analysis, call) else None
        )
        if accessor is not None:
            return (
                f"in {function.name.value}(), an uncached factory that the accessor "
                f"{accessor}() calls on every call"
            )
        return None


MAX_FACTORY_DEPTH = 2  # accessor -> factory -> factory


def _current_sdk(analysis: Analysis, call: cst.Call) -> bool:
    """An azure.identity credential or a Key Vault client (the catalogue's definitions), not a
    retired msrestazure / azure.common credential: those have their own finding (KV106)."""
    qualname = analysis.callee(call) or ""
    return qualname.startswith(("azure.identity.", "azure.keyvault."))


def _factory_for_accessor(analysis: Analysis, function: cst.FunctionDef, depth: int) -> str | None:
    """The name of an uncached accessor (a function reading the secret / key its parameter
    names) that calls ``function``, a same-module factory, without a cache or memo guard."""
    if depth >= MAX_FACTORY_DEPTH:
        return None
    for call in callers(analysis, function):
        caller = analysis.enclosing_function(call)
        if caller is None or caller is function or caller.name.value in NOT_PER_CALL:
            continue
        if is_cached(analysis, call):
            continue
        if accessor_reads(analysis, caller):
            return caller.name.value
        found = _factory_for_accessor(analysis, caller, depth + 1)
        if found is not None:
            return found
    return None
