"""What a function's result carries, whole and by part: the taint model's answers that a
function's summary keeps (:mod:`kvlint.lint.facts.exports`), so a module importing it knows
that ``fetch()`` returns "a secret value at index 1" without parsing it again."""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts.taint import merge, taint
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.parts import (
    ANY_ITEM,
    ATTR,
    EACH_ITEM,
    INDEX,
    KEY,
    Selector,
    constructed_class,
    encode_path,
    init_parameter,
    is_mapping,
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
    """For a function whose result has a known shape (a tuple, a dict, a record, a list or dict
    of items), what each part may carry: ``(("#1", ("secret-value",)), ...)``, ``"*\x00#1"``
    for the second position of each item; None when no shape is known."""
    model = taint(analysis)
    paths: dict[tuple[Selector, ...], None] = {}
    for value in analysis.returns_of(function):
        for path in shape(analysis, value):
            paths.setdefault(path)
    if not paths:
        return None
    out = []
    for path in list(paths)[:MAX_PARTS]:
        found = merge([model.part(v, path) for v in analysis.returns_of(function)])
        out.append((encode_path(path), tuple(sorted(found or ()))))
    return tuple(out)


MAX_PARTS = 16
Path = tuple[Selector, ...]


def shape(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> list[Path]:
    """The parts a value is known to have: a tuple's positions, a dict's constant keys (also
    those put in later), a record's fields; the items of a list or a dict (what iterating it
    yields, :data:`EACH_ITEM`; a dict's values, :data:`ANY_ITEM`), and their own parts."""
    if depth > 4:
        return []
    if isinstance(expr, cst.Await):
        return shape(analysis, expr.expression, depth + 1)
    out: list[Path] = []
    if isinstance(expr, (cst.Tuple, cst.List)):
        if any(isinstance(e, cst.StarredElement) for e in expr.elements):
            return []
        out += [((INDEX, i),) for i in range(min(len(expr.elements), MAX_PARTS))]
    elif isinstance(expr, cst.Dict):
        keys = [analysis.fold_str(e.key) for e in expr.elements if isinstance(e, cst.DictElement)]
        out += [((KEY, k),) for k in keys[:MAX_PARTS] if k is not None]
    elif isinstance(expr, cst.Name):
        for value in analysis.assigned_values(expr):
            out += shape(analysis, value, depth + 1)
        out += [(m.key,) for m in mutations_of(analysis, expr) if m.key is not None]
    elif isinstance(expr, cst.Call):
        cls = constructed_class(analysis, expr)
        record = record_of(analysis, cls) if cls is not None else None
        if record is not None:
            return [((ATTR, f),) for f in record.fields[:MAX_PARTS]]
        target = analysis.local_function(expr.func)
        if target is not None:
            for value in analysis.returns_of(target):
                out += shape(analysis, value, depth + 1)
    if not isinstance(expr, cst.Tuple):
        out += _item_paths(analysis, expr, depth)
    return list(dict.fromkeys(out))[:MAX_PARTS]


def _item_paths(analysis: Analysis, expr: cst.BaseExpression, depth: int) -> list[Path]:
    """For a list, set or dict (a literal, a comprehension, or a name filled later): its items
    (and a dict's values), and the parts those have (``[(name, value) for ...]``)."""
    items: list[cst.BaseExpression] = []  # what iterating it yields
    values: list[cst.BaseExpression] = []  # a dict's values
    if isinstance(expr, (cst.List, cst.Set)):
        items = [e.value for e in expr.elements if not isinstance(e, cst.StarredElement)]
    elif isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        items = [expr.elt]
    elif isinstance(expr, cst.DictComp):
        values = [expr.value]
    elif isinstance(expr, cst.Dict) and not any(
        isinstance(e, cst.DictElement) and analysis.fold_str(e.key) is not None
        for e in expr.elements
    ):
        values = [e.value for e in expr.elements if isinstance(e, cst.DictElement)]
        if not expr.elements:
            return []
    elif isinstance(expr, cst.Name):
        for mutation in mutations_of(analysis, expr):
            if mutation.whole:
                continue
            if mutation.index is None and mutation.key is None:
                items.append(mutation.value)  # ``items.append(value)``
            elif mutation.key is None or is_mapping(analysis, expr):
                values.append(mutation.value)  # ``d[name] = value``
    if not items and not values:
        return []
    out: list[Path] = []
    for selectors, found in (((EACH_ITEM,), items), ((EACH_ITEM, ANY_ITEM), values)):
        if not found:
            continue
        for selector in selectors:
            out.append((selector,))
        inner = (selectors[-1],)
        for value in found:
            out += [inner + sub for sub in shape(analysis, value, depth + 1) if len(sub) == 1]
    return out


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
