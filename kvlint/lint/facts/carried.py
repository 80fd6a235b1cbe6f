"""What the parts of a value carry: the half of the taint model that follows containers.

:class:`Parts` answers "what may ``expr``'s part at ``path`` carry" (``t[1]``, ``d["db"]``,
``creds.password``, the items of ``for name, value in fetch_all()``) by following where the
part comes from (:mod:`kvlint.lint.semantic.parts`): literals, comprehensions, names and what is
put in them later, this module's functions and records, and another module's summary of what
its function returns by part. What a whole expression carries is the subclass's
(:class:`kvlint.lint.facts.taint.Taint`).
"""

from __future__ import annotations

import libcst as cst

from kvlint.lint.project.summary import INSTANCE_PREFIX, Symbol
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.parts import (
    ANY,
    ANY_ITEM,
    ATTR,
    EACH,
    INDEX,
    KEY,
    Selector,
    argument_for,
    constructed_class,
    encode_path,
    init_parameter,
    is_mapping,
    item_sources,
    iterated,
    mutations_of,
    record_of,
    unpacked,
)

MAX_DEPTH = 8


def library_types(analysis: Analysis, expr: cst.BaseExpression) -> frozenset[str]:
    """``expr``'s type tags from the libraries kvlint knows (an instance of the project's own
    class says nothing of what it holds: ``log = AppLogger()`` is still a logger by its name)."""
    tags = analysis.types_of(expr)
    if any(t.startswith(INSTANCE_PREFIX) for t in tags):
        return frozenset(t for t in tags if not t.startswith(INSTANCE_PREFIX))
    return tags


class Parts:
    """The parts half of the taint model (see the module docstring)."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._parts: dict[tuple[cst.CSTNode, tuple[Selector, ...]], frozenset[str] | None] = {}

    def __call__(self, expr: cst.BaseExpression, depth: int = 0) -> frozenset[str]:
        raise NotImplementedError

    def typed(self, tags: frozenset[str]) -> set[str]:
        """What a value of a library type (its tags) carries."""
        raise NotImplementedError

    # -- parts ---------------------------------------------------------------------------------
    def part(
        self, expr: cst.BaseExpression, path: tuple[Selector, ...], depth: int = 0
    ) -> frozenset[str] | None:
        """What the part of ``expr`` at ``path`` may carry (``t[1]``, ``d["db"]``,
        ``creds.password``); None when the shape of ``expr`` is not known."""
        if not path:
            return self(expr, depth)
        key = (expr, path)
        if key in self._parts:
            return self._parts[key]
        if depth > MAX_DEPTH:
            return None
        self._parts[key] = None  # recursion guard
        result = self._part(expr, path, depth + 1)
        if result is None and path == (ANY_ITEM,):
            result = self(expr, depth)  # a value at any key: what the container carries
        self._parts[key] = result
        return result

    def _part(
        self, expr: cst.BaseExpression, path: tuple[Selector, ...], depth: int
    ) -> frozenset[str] | None:
        analysis = self.analysis
        (kind, which), rest = path[0], path[1:]
        tags = library_types(analysis, expr)
        if tags:  # a library's object: its type table says what its parts are
            if kind != ATTR or rest:
                return None
            results = (analysis.types.attribute_result(t, str(which)) for t in tags)
            found = frozenset(r for r in results if r is not None)
            return frozenset(self.typed(found)) if found else None
        if isinstance(expr, cst.Await):
            return self.part(expr.expression, path, depth)
        if isinstance(expr, cst.NamedExpr):
            return self.part(expr.value, path, depth)
        if isinstance(expr, cst.IfExp):
            return merge([self.part(expr.body, path, depth), self.part(expr.orelse, path, depth)])
        if kind in (EACH, ANY):  # ``for name, value in pairs``, ``d.values()``
            sources = item_sources(analysis, expr, path)
            if sources is not None:
                if not sources:
                    return frozenset()
                return merge([self.part(e, where, depth) for e, where in sources])
        if isinstance(expr, (cst.Tuple, cst.List)):
            elements = expr.elements
            if kind != INDEX or not isinstance(which, int):
                return None
            if any(isinstance(e, cst.StarredElement) for e in elements):
                return None
            if not -len(elements) <= which < len(elements):
                return frozenset()
            return self.part(elements[which].value, rest, depth)
        if isinstance(expr, cst.Dict):
            if kind != KEY:
                return None
            for element in expr.elements:
                if not isinstance(element, cst.DictElement):
                    return None  # ``**other``: any key
                if analysis.fold_str(element.key) == which:
                    return self.part(element.value, rest, depth)
            return frozenset()
        if isinstance(expr, cst.Name):
            return self._name_part(expr, path, depth)
        if isinstance(expr, cst.Attribute) and self_attribute(expr):
            return merge([self.part(v, path, depth) for v in analysis.attribute_values(expr)])
        if isinstance(expr, cst.Call):
            return self._call_part(expr, path, depth)
        return None

    def _name_part(
        self, name: cst.Name, path: tuple[Selector, ...], depth: int
    ) -> frozenset[str] | None:
        analysis = self.analysis
        found: list[frozenset[str] | None] = []
        for binding in analysis.bindings(name.value, name):
            if binding.kind in ("assign", "with") and binding.value is not None:
                found.append(self.part(binding.value, path, depth))
        for value, where in (*unpacked(analysis, name), *iterated(analysis, name)):
            found.append(self.part(value, where + path, depth))
        selector, rest = path[0], path[1:]
        kind = selector[0]
        mapping = kind == EACH and is_mapping(analysis, name)
        for mutation in mutations_of(analysis, name):
            if mutation.whole:
                found.append(self.part(mutation.value, path, depth))
            elif kind == EACH:  # iterating a list yields its values, a dict its keys
                added = mutation.index is None and mutation.key is None  # ``items.append(v)``
                indexed = mutation.key is not None and mutation.key[0] == INDEX  # ``l[0] = v``
                if (added or indexed) and not mapping:
                    found.append(self.part(mutation.value, rest, depth))
                elif mutation.index is not None:  # ``d[k] = v``, ``d.setdefault(k, v)``
                    found.append(self.part(mutation.index, rest, depth))
                else:
                    found.append(frozenset())  # ``d.update(db=...)``: a literal key
            elif kind in (EACH, ANY) or mutation.key is None or mutation.key == selector:
                found.append(self.part(mutation.value, rest, depth))
        return merge(found)

    def _call_part(
        self, call: cst.Call, path: tuple[Selector, ...], depth: int
    ) -> frozenset[str] | None:
        analysis = self.analysis
        (kind, which), rest = path[0], path[1:]
        target = analysis.local_function(call.func)
        if target is not None:
            return merge([self.part(r, path, depth) for r in analysis.returns_of(target)])
        cls = constructed_class(analysis, call)
        if cls is not None:
            return self._field(cls, call, path, depth) if kind == ATTR else None
        record = imported_record(analysis, call)
        if record is not None:  # another module's dataclass / NamedTuple / pydantic model
            if kind != ATTR or which not in record.params:
                return None
            given = argument_for(call, str(which), record.params.index(str(which)))
            return self.part(given, rest, depth) if given is not None else None
        if isinstance(call.func, cst.Name) and call.func.value == "dict" and kind == KEY:
            if not analysis.bindings("dict", call.func):
                for argument in call.args:
                    if argument.keyword is not None and argument.keyword.value == which:
                        return self.part(argument.value, rest, depth)
            return None
        symbol = imported_function(analysis, call.func)
        if symbol is None or symbol.parts is None:
            return None
        known = dict(symbol.parts)
        for cut in range(len(path), 0, -1):  # the longest part the summary describes
            kinds = known.get(encode_path(path[:cut]))
            if kinds is not None:
                return frozenset(kinds)
        return None

    def _field(
        self, cls: cst.ClassDef, call: cst.Call, path: tuple[Selector, ...], depth: int
    ) -> frozenset[str] | None:
        """``Cls(...).name``: the argument a record's field or an ``__init__`` stores."""
        analysis = self.analysis
        name, rest = str(path[0][1]), path[1:]
        record = record_of(analysis, cls)
        if record is not None:
            if name in record.hidden:
                return frozenset()
            if name in record.fields:
                argument = argument_for(call, name, record.fields.index(name))
                return self.part(argument, rest, depth) if argument is not None else None
        found: list[frozenset[str] | None] = []
        for value in analysis.index.instance_attrs.get(cls, {}).get(name, ()):
            param = init_parameter(analysis, cls, value)
            if param is None:
                found.append(self.part(value, rest, depth))
                continue
            argument = argument_for(call, *param)
            found.append(self.part(argument, rest, depth) if argument is not None else None)
        return merge(found)


def self_attribute(expr: cst.Attribute) -> bool:
    return isinstance(expr.value, cst.Name) and expr.value.value in ("self", "cls")


def merge(found: list[frozenset[str] | None]) -> frozenset[str] | None:
    """The union of what is known; None when nothing is."""
    known = [f for f in found if f is not None]
    if not known:
        return None
    return frozenset().union(*known)


def imported_record(analysis: Analysis, call: cst.Call) -> Symbol | None:
    """For the construction of another module's record class: its generated ``__repr__``
    (``params``: the fields in order; ``shows``: those its ``repr`` shows)."""
    if analysis.imports is None or analysis.imported(call.func, "class") is None:
        return None
    symbol = analysis.imports.symbol(f"{analysis.qualname(call.func)}().__repr__")
    if symbol is None or symbol.kind != "function" or not symbol.params:
        return None
    return symbol


def imported_function(analysis: Analysis, func: cst.BaseExpression) -> Symbol | None:
    """What another module of the project says the function (or an instance's method) ``func``
    names is."""
    symbol = analysis.imported(func, "function")
    if symbol is None:
        found = analysis.imported_method(func)
        symbol = found[0] if found is not None else None
    return symbol
