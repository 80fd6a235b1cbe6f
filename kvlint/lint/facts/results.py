"""What a function's result carries, whole and by part: the taint model's answers that a
function's summary keeps (:mod:`kvlint.lint.facts.exports`), so a module importing it knows
that ``fetch()`` returns "a secret value at index 1" without parsing it again."""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts.taint import merge, taint
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.parts import (
    ATTR,
    INDEX,
    KEY,
    Selector,
    constructed_class,
    encode,
    init_parameter,
    mutations_of,
    record_of,
)


def returned(analysis: Analysis, function: cst.FunctionDef) -> tuple[str, ...]:
    """What ``function``'s result may carry, for its summary."""
    model = taint(analysis)
    out: set[str] = set()
    for value in analysis.returns_of(function):
        out |= model(value)
    return tuple(sorted(out))


def returned_parts(
    analysis: Analysis, function: cst.FunctionDef
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """For a function whose result has a known shape (a tuple, a dict, a record), what each
    part may carry: ``(("#1", ("secret-value",)), ...)``; None when no shape is known."""
    model = taint(analysis)
    selectors: dict[Selector, None] = {}
    for value in analysis.returns_of(function):
        for selector in shape(analysis, value):
            selectors.setdefault(selector)
    if not selectors:
        return None
    out = []
    for selector in selectors:
        found = merge([model.part(v, (selector,)) for v in analysis.returns_of(function)])
        out.append((encode(selector), tuple(sorted(found or ()))))
    return tuple(out)


MAX_PARTS = 16


def shape(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> list[Selector]:
    """The parts a value is known to have: a tuple's positions, a dict's constant keys (also
    those put in later), a record's fields."""
    if depth > 4:
        return []
    if isinstance(expr, cst.Await):
        return shape(analysis, expr.expression, depth + 1)
    if isinstance(expr, (cst.Tuple, cst.List)):
        if any(isinstance(e, cst.StarredElement) for e in expr.elements):
            return []
        return [(INDEX, i) for i in range(min(len(expr.elements), MAX_PARTS))]
    if isinstance(expr, cst.Dict):
        keys = [analysis.fold_str(e.key) for e in expr.elements if isinstance(e, cst.DictElement)]
        return [(KEY, k) for k in keys[:MAX_PARTS] if k is not None]
    if isinstance(expr, cst.Name):
        out: list[Selector] = []
        for value in analysis.assigned_values(expr):
            out += shape(analysis, value, depth + 1)
        out += [m.key for m in mutations_of(analysis, expr) if m.key is not None]
        return list(dict.fromkeys(out))[:MAX_PARTS]
    if isinstance(expr, cst.Call):
        cls = constructed_class(analysis, expr)
        record = record_of(analysis, cls) if cls is not None else None
        if record is not None:
            return [(ATTR, f) for f in record.fields[:MAX_PARTS]]
        target = analysis.local_function(expr.func)
        if target is not None:
            out = []
            for value in analysis.returns_of(target):
                out += shape(analysis, value, depth + 1)
            return list(dict.fromkeys(out))[:MAX_PARTS]
    return []


def attribute_carries(
    analysis: Analysis, cls: cst.ClassDef
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What each ``self.x`` of a class's instances may carry, from the values its methods
    assign (an ``__init__`` parameter stored as is is the caller's: left out)."""
    model = taint(analysis)
    out = []
    for name, values in sorted(analysis.index.instance_attrs.get(cls, {}).items()):
        kinds: set[str] = set()
        for value in values:
            if init_parameter(analysis, cls, value) is None:
                kinds |= model(value)
        if kinds:
            out.append((name, tuple(sorted(kinds))))
    return tuple(out[:MAX_PARTS])
