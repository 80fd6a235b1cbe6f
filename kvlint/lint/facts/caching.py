"""Whether code runs once and is remembered: caching decorators and memoisation guards."""

from __future__ import annotations

import libcst as cst

from kvlint.lint.semantic.dataflow import dotted_text, functions_around, mentions, subtree
from kvlint.lint.semantic.memo import node_fact
from kvlint.lint.semantic.model import Analysis

CACHE_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.ttl_cache",
        "cachetools.func.lru_cache",
        "cachetools.func.lfu_cache",
        "cachetools.func.fifo_cache",
        "cachetools.func.rr_cache",
        "cachetools.func.mru_cache",
        "aiocache.cached",
        "aiocache.multi_cached",
        "async_lru.alru_cache",
        "asyncache.cached",
        "cached_property.cached_property",
        "django.utils.functional.cached_property",
        "streamlit.cache_resource",
        "streamlit.cache_data",
        "streamlit.cache",
    }
)


CACHE_DECORATOR_NAMES = frozenset(
    {"lru_cache", "cache", "cached", "cached_property", "ttl_cache", "alru_cache"}
)


@node_fact
def is_cache_decorated(analysis: Analysis, function: cst.FunctionDef) -> bool:
    return any(
        name in CACHE_DECORATORS or name.rsplit(".", 1)[-1] in CACHE_DECORATOR_NAMES
        for name in analysis.decorator_names(function)
    )


def is_cached(analysis: Analysis, node: cst.CSTNode) -> bool:
    """``node`` runs inside a caching decorator or behind a memoisation check."""
    if any(is_cache_decorated(analysis, f) for f in functions_around(analysis, node)):
        return True
    return _memo_guarded(analysis, node)


def _memo_targets(analysis: Analysis, node: cst.CSTNode, function) -> set[str]:
    """Targets assigned in ``node`` that outlive a call: globals, attributes, subscripts of
    non-local containers."""
    scope = analysis.index.scopes.get(function) if function is not None else None
    out: set[str] = set()
    for sub in subtree(analysis, node):
        targets: list[cst.BaseExpression] = []
        if isinstance(sub, cst.Assign):
            targets = [t.target for t in sub.targets]
        elif isinstance(sub, (cst.AnnAssign, cst.AugAssign)):
            targets = [sub.target]
        for target in targets:
            text = dotted_text(target)
            if text is None:
                continue
            if isinstance(target, cst.Name):
                if function is None or (scope is not None and target.value in scope.globals):
                    out.add(text)
            elif isinstance(target, cst.Attribute):
                out.add(text)
            elif isinstance(target, cst.Subscript):
                root = text.split(".", 1)[0]
                if function is None or "." in text or (scope and root not in scope.bindings):
                    out.add(text)
    return out


def _memo_guarded(analysis: Analysis, node: cst.CSTNode) -> bool:
    """``if _client is None: _client = ...`` / ``if name not in CACHE: CACHE[name] = ...`` /
    ``if self._secret is not None: return self._secret`` followed by ``self._secret = ...``."""
    function = analysis.enclosing_function(node)
    child = node
    for ancestor in analysis.ancestors(node):
        if ancestor is function:
            break
        if isinstance(ancestor, cst.If) and child is not ancestor.test:
            targets = _memo_targets(analysis, ancestor.body, function)
            if targets and mentions(analysis, ancestor.test, targets):
                return True
        if isinstance(ancestor, (cst.Assign, cst.AnnAssign)) and function is not None:
            targets = _memo_targets(analysis, ancestor, function)
            if targets and _early_return_guard(analysis, function, targets):
                return True
        child = ancestor
    return False


def _early_return_guard(analysis: Analysis, function: cst.FunctionDef, targets: set[str]) -> bool:
    for sub in subtree(analysis, function.body):
        if (
            isinstance(sub, cst.If)
            and mentions(analysis, sub.test, targets)
            and any(isinstance(n, cst.Return) for n in subtree(analysis, sub.body))
        ):
            return True
    return False
