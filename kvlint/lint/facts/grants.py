"""Which calls grant Key Vault access: an access policy update, a role assignment, a vault
written with access policies (:func:`kvlint.lint.facts.mgmt.access_grant`), or a call of a
helper that makes one (same module, through the helpers it calls, bounded; or imported, through
its summary's ``grants``). KV204 asks what a function granted before a Key Vault read."""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts.mgmt import access_grant
from kvlint.lint.facts.taint import imported_function
from kvlint.lint.semantic.dataflow import calls_by_function
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import dotted

MAX_DEPTH = 3


@module_fact
def _memo(analysis: Analysis) -> dict[cst.FunctionDef, tuple[str, ...]]:
    return {}


def grants_of(analysis: Analysis, function: cst.FunctionDef, depth: int = 0) -> tuple[str, ...]:
    """The access changes a call of ``function`` makes: its own, and those of the same-module
    helpers it calls (at most ``MAX_DEPTH`` deep)."""
    memo = _memo(analysis)
    if function in memo:
        return memo[function]
    memo[function] = ()  # recursion guard
    out: list[str] = []
    for call in calls_by_function(analysis).get(function, ()):
        what = access_grant(analysis, call)
        if what is not None:
            out.append(what)
            continue
        helper = analysis.local_function(call.func)
        if helper is not None and depth < MAX_DEPTH:
            out += grants_of(analysis, helper, depth + 1)
    memo[function] = result = tuple(dict.fromkeys(out))
    return result


def grant_made(analysis: Analysis, call: cst.Call) -> str | None:
    """What access change ``call`` makes, in words for a message: ``vaults.update_access_policy``,
    or ``grant_reader() (role_assignments.create)`` for a helper that makes it."""
    what = access_grant(analysis, call)
    if what is not None:
        return what
    helper = analysis.local_function(call.func)
    if helper is not None:
        found = grants_of(analysis, helper)
        name = helper.name.value
    else:
        symbol = imported_function(analysis, call.func)
        found = symbol.grants if symbol is not None else ()
        name = dotted(call.func) or "helper"
    return f"`{name}()` ({found[0]})" if found else None


def grants_before(analysis: Analysis, node: cst.CSTNode) -> list[tuple[cst.Call, str]]:
    """The calls of ``node``'s function, before it, that grant access (and what they grant)."""
    function = analysis.enclosing_function(node)
    if function is None:
        return []
    at = analysis.order[node]
    out = []
    for call in calls_by_function(analysis).get(function, ()):
        if analysis.order[call] < at and (what := grant_made(analysis, call)) is not None:
            out.append((call, what))
    return out
