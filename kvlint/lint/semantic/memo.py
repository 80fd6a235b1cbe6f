"""Facts computed once per module: two caching decorators, no string keys.

A *module fact* is a function of the module's :class:`~kvlint.lint.semantic.model.Analysis`
alone (``kv_calls(analysis)``); a *node fact* is a function of the analysis and one node
(``loop_of(analysis, node)``). Decorating it caches its answers on that analysis (in
``analysis.facts``, keyed by the decorated function itself), so every rule that asks gets the
same, once-computed answer, and the cache goes away with the module's analysis.

A node fact's cache entry is written only once the answer is known; a fact that can recurse into
itself (through data flow) guards itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar, cast

T = TypeVar("T")
N = TypeVar("N", bound=Hashable)


class HasFacts(Protocol):
    facts: dict[object, object]


M = TypeVar("M", bound=HasFacts)
_MISSING: Any = object()


def module_fact(function: Callable[[M], T]) -> Callable[[M], T]:
    """Cache ``function(analysis)`` on the analysis."""

    @functools.wraps(function)
    def cached(analysis: M) -> T:
        store = analysis.facts
        found = store.get(cached, _MISSING)
        if found is _MISSING:
            found = store[cached] = function(analysis)
        return cast(T, found)

    return cached


def node_fact(function: Callable[[M, N], T]) -> Callable[[M, N], T]:
    """Cache ``function(analysis, node)`` on the analysis, per node."""

    @functools.wraps(function)
    def cached(analysis: M, node: N) -> T:
        table = analysis.facts.get(cached)
        if table is None:
            table = analysis.facts[cached] = {}
        answers = cast("dict[N, T]", table)
        found = answers.get(node, _MISSING)
        if found is _MISSING:
            found = answers[node] = function(analysis, node)
        return cast(T, found)

    return cached
