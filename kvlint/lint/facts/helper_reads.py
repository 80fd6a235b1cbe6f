"""Key Vault reads through a helper: a call, inside a loop, of a function or method that reads
Key Vault on every call (``self.get_secret(name)`` on a wrapper, ``fetch_secret(name)``, an
accessor imported from another module of the project).

The read itself is in the helper, where no loop runs it; the loop is around the call. So the
loop rules (KV304, KV308) ask about these calls as they ask about Key Vault calls, and report
at the call. A helper is followed one level, and only when its read is not cached, not behind a
cache in the helper, and not in a loop of its own (reported there already).
"""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts.caching import is_cache_decorated, is_cached
from kvlint.lint.facts.kv_calls import KvCall, kv_calls
from kvlint.lint.facts.loops import in_loop
from kvlint.lint.facts.passing import holds_vault_url, parameter_argument, url_parameter
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg


@module_fact
def helper_reads(analysis: Analysis) -> list[KvCall]:
    """Calls in a loop of a helper that reads Key Vault each time, as Key Vault reads (the
    method is the helper's read; ``helper`` names the helper)."""
    local = _local_readers(analysis)
    out = []
    for call in analysis.index.calls:
        if not in_loop(analysis, call) or is_cached(analysis, call):
            continue  # cheap first: only calls a loop repeats
        target = analysis.local_function(call.func)
        if target is not None:
            found = local.get(target)
            read, param = found if found is not None else (None, None)
            name: str | None = target.name.value
            if param is not None:  # a vault call only when this call site passes a vault URL
                method = isinstance(call.func, cst.Attribute)
                passed = parameter_argument(target, param, call, method)
                if passed is None or not holds_vault_url(analysis, passed):
                    continue
        else:
            read, name = _imported_read(analysis, call)
        if read is not None and name is not None:
            out.append(KvCall(call, read, True, helper=name))
    return out


def _local_readers(analysis: Analysis) -> dict[cst.FunctionDef, tuple[str, cst.Param | None]]:
    """Same-module functions whose body reads Key Vault outside any loop, uncached: the read,
    and the URL parameter that makes it a Key Vault read when a call site passes a vault URL
    (a generic helper: call-site sensitive)."""
    out: dict[cst.FunctionDef, tuple[str, cst.Param | None]] = {}
    for kv in kv_calls(analysis):
        function = analysis.enclosing_function(kv.call)
        if not kv.read or function is None or function in out:
            continue
        if is_cache_decorated(analysis, function) or is_cached(analysis, kv.call):
            continue
        if not in_loop(analysis, kv.call):
            param = None
            if kv.via is not None and kv.http is not None:
                param = url_parameter(analysis, kv.http.url)
            out[function] = (kv.method, param)
    return out


def _imported_read(analysis: Analysis, call: cst.Call) -> tuple[str | None, str | None]:
    """The read of an accessor (or an instance's method) another module defines; for a
    generic helper requesting a URL parameter, a GET only where this call passes a vault URL
    (call-site sensitive: the same helper given an ARM or Graph URL reads no vault)."""
    func = call.func
    symbol = analysis.imported(func, "function")
    name = origin[1] if symbol is not None and (origin := analysis.origin(func)) else None
    if symbol is None:
        found = analysis.imported_method(func)
        if found is not None:
            symbol, name = found[0], found[1][1]
    if symbol is None or symbol.cached:
        return None, None
    if symbol.reads:
        return symbol.reads[0], name
    for use in symbol.http:
        passed = arg(call, use.url_param if use.by_keyword else None, use.url_index)
        if use.verb != "get" or passed is None or passed.star:
            continue
        if holds_vault_url(analysis, passed.value):
            return use.verb, name
    return None, None
