"""What a module tells the first-party modules it imports, for the runner's second pass.

* ``function:param``: it calls their helper with a Key Vault URL for a parameter the helper
  requests (:mod:`kvlint.lint.facts.passing`): the request there is a Key Vault call.
* ``request:function`` (``task:``, ``row:``, ``scheduled:``): code here that runs per request
  (task, row, schedule: :mod:`kvlint.lint.facts.frequency`) calls their function, which reads
  Key Vault or builds a client on every call: it runs that often there too (KV305 reports the
  read, KV306 the construction, naming the chain). ``request:Class.method`` is the same for a
  method called on an instance of their class (``kv: Wrapper``, ``Wrapper().read()``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from kvlint.lint.facts.audiences import token_requests
from kvlint.lint.facts.caching import is_cached
from kvlint.lint.facts.frequency import REMOTE_KINDS, frequencies, how_often, registrations
from kvlint.lint.facts.kv_calls import kv_calls, kv_constructors
from kvlint.lint.facts.passing import holds_vault_url
from kvlint.lint.project.summary import Symbol
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg


@dataclass(frozen=True)
class PassedUrl:
    path: str  # the helper's module file
    key: str  # "function:parameter", or "request:function"
    via: str  # the call site, described for the message


def vault_urls_passed_out(analysis: Analysis) -> list[PassedUrl]:
    """What this module tells the modules it imports (see the module docstring)."""
    if analysis.imports is None:
        return []
    out = list(_accessors_called_per_request(analysis))
    for call in analysis.index.calls:
        if not call.args or analysis.qualname(call.func) is None:
            continue  # not an imported name: a local function, a method, a builtin
        if not any(holds_vault_url(analysis, a.value) for a in call.args if not a.star):
            continue  # then only calls passing a vault URL need their callee resolved
        symbol = analysis.imported(call.func, "function")
        if symbol is None or not symbol.http:
            continue
        origin = analysis.origin(call.func)
        if origin is None:
            continue
        for use in symbol.http:
            found = arg(call, use.url_param if use.by_keyword else None, use.url_index)
            if found is None or found.star or not holds_vault_url(analysis, found.value):
                continue
            where = f"{analysis.path}:{analysis.line_of(call)}"
            via = f"{origin[1]}() is called with a Key Vault URL at {where}"
            out.append(PassedUrl(str(origin[0]), f"{origin[1]}:{use.url_param}", via))
    return out


def _accessors_called_per_request(analysis: Analysis) -> Iterator[PassedUrl]:
    """Calls, in code that runs per request / task / row / schedule, of another module's
    function or method that reads Key Vault or builds a client on every call."""
    for call, target, kind, label in registrations(analysis):  # spark.udf.register("f", f)
        if kind not in REMOTE_KINDS or not isinstance(target, (cst.Name, cst.Attribute)):
            continue
        for origin, chain in _keyvault_work_called(analysis, target, None):
            where = f"{label} registered at {analysis.path}:{analysis.line_of(call)}"
            through = "".join(f" -> `{step}()`" for step in chain)
            yield PassedUrl(str(origin[0]), f"{kind}:{origin[1]}", where + through)
    found = frequencies(analysis)
    if not found:
        return
    for call in analysis.index.calls:
        often = how_often(analysis, call)
        if often is None or often.kind not in REMOTE_KINDS or is_cached(analysis, call):
            continue
        for origin, chain in _keyvault_work_called(analysis, call.func, call):
            steps = often.describe(analysis).split(": ", 1)[1]
            through = "".join(f" -> `{name}()`" for name in chain)
            where = f"{steps}{through}"
            yield PassedUrl(str(origin[0]), f"{often.kind}:{origin[1]}", where)


def _keyvault_work(symbol: Symbol) -> bool:
    return not symbol.cached and bool(symbol.reads or symbol.builds)


def _keyvault_work_called(
    analysis: Analysis, func: cst.BaseExpression, call: cst.Call | None
) -> list[tuple[tuple[Path, str], tuple[str, ...]]]:
    """The functions of other modules that ``call`` (of ``func``; or ``func`` run by what it
    is handed to) runs which read Key Vault or build a client on every call: the function
    called, or those it calls in turn (other modules, bounded), each with the names of the
    functions on the way."""
    symbol = analysis.imported(func, "function")
    origin = analysis.origin(func) if symbol is not None else None
    if symbol is None:  # a method of an instance of an imported class: ``Class.method``
        method = analysis.imported_method(func)
        symbol, origin = method if method is not None else (None, None)
    if symbol is None and call is not None:  # ``Service()``: an imported class's ``__init__``
        symbol, origin = _constructor(analysis, call)
    if symbol is None or origin is None or symbol.cached:
        return []
    if _keyvault_work(symbol):
        return [(origin, ())]
    qual = analysis.qualname(func)
    if not symbol.calls or qual is None or analysis.imports is None:
        return []
    return [(where, chain) for _, where, chain in analysis.imports.reached(qual, _keyvault_work)]


def _constructor(
    analysis: Analysis, call: cst.Call
) -> tuple[Symbol | None, tuple[Path, str] | None]:
    """The ``__init__`` of the first-party class ``call`` constructs, and where it is."""
    if analysis.imports is None or analysis.imported(call.func, "class") is None:
        return None, None
    qual = analysis.qualname(call.func)
    if qual is None:
        return None, None
    init = f"{qual}().__init__"
    symbol = analysis.imports.symbol(init)
    origin = analysis.imports.origin(init) if symbol is not None else None
    return symbol, origin


def exports_keyvault(analysis: Analysis) -> bool:
    """Whether the module holds something another module may import and use against Key
    Vault: a client or credential it builds, a Key Vault call, a token scope, or a vault URL
    at module level. Only such modules make the runner look for their importers."""
    if kv_constructors(analysis) or kv_calls(analysis) or token_requests(analysis):
        return True
    scope = analysis.index.scopes[analysis.module]
    return any(
        b.value is not None and holds_vault_url(analysis, b.value)
        for bindings in scope.bindings.values()
        for b in bindings
        if b.kind == "assign"
    )
