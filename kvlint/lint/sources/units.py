"""A module's statements as the units :mod:`kvlint.lint.sources.slicing` keeps or blanks: its
top-level statements and the members of its top-level classes, with what each mentions, binds,
may change and (members) which ``self`` attributes it touches, read from the text of each unit
(identifiers in strings and comments count too: a name mentioned by mistake keeps a statement,
never drops one). CPython's :mod:`ast` gives the statements' lines and what they bind."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kvlint.lint.project.outline import bound_names

LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # any line-end style, as CPython's
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_ATTRIBUTE = re.compile(r"\.\s*([^\W\d]\w*)")
_SELF_ATTRIBUTE = re.compile(r"\b(?:self|cls)\s*\.\s*([^\W\d]\w*)")
_GLOBAL = re.compile(r"\bglobal\s+([^\W\d]\w*(?:\s*,\s*[^\W\d]\w*)*)")
# a statement starting with ``name.attr... =`` or ``name[...] =`` (any augmented operator)
_ITEM_STORE = re.compile(
    r"^[ \t]*([^\W\d]\w*)(?:[ \t]*\.[ \t]*\w+|[ \t]*\[[^\]\n]*\])+[ \t]*"
    r"(?:[-+*/%&|^@]|<<|>>|\*\*|//)?=(?!=)",
    re.MULTILINE,
)


@dataclass(eq=False, slots=True)
class Unit:
    """A top-level statement, or a member of a top-level class."""

    start: int  # 1-based, decorators included
    end: int
    node: ast.AST
    owner: Unit | None = None  # the class of a member
    binds: tuple[str, ...] = ()  # top level: module names; member: its own name
    names: frozenset[str] = frozenset()  # every identifier in its text (strings too)
    attrs: frozenset[str] = frozenset()  # attribute names it mentions (members)
    sets: frozenset[str] = frozenset()  # ``self.x`` / ``cls.x`` it may assign (members)
    # module names whose value it may change: at module level every name it mentions (a call
    # may change it: ``session.headers.update(...)``); in a function, item and attribute
    # assignments (``h["k"] = v``) and ``global`` names
    mutates: frozenset[str] = frozenset()
    members: list[Unit] = field(default_factory=list)  # a top-level class that is sliced
    always: bool = False  # kept whatever happens (imports, ``__all__``)
    seed: bool = False
    kept: bool = False


# -- units --------------------------------------------------------------------------------------
def units_of(tree: ast.Module, lines: list[str]) -> list[Unit] | None:
    units: list[Unit] = []
    for node in tree.body:
        start, end = _span(node)
        if end > len(lines):
            return None
        text = "".join(lines[start - 1 : end])
        if units and start <= units[-1].end:  # ``a = 1; b = 2``: one unit
            previous = units[-1]
            if previous.members:
                return None
            text = "".join(lines[previous.start - 1 : end])
            merged = Unit(previous.start, max(end, previous.end), previous.node)
            merged.binds = previous.binds + _binds(node, text)
            merged.names = frozenset(_IDENTIFIER.findall(text))
            merged.mutates = merged.names
            merged.always = previous.always and _always(node)
            units[-1] = merged
            continue
        names = frozenset(_IDENTIFIER.findall(text))
        unit = Unit(start, end, node, binds=_binds(node, text), names=names)
        unit.mutates = _mutates(node, text, names)
        unit.always = _always(node)
        if isinstance(node, ast.ClassDef):
            members = _members(node, unit, lines)
            if members:  # else it stays whole (a member on the header's line, or two on one)
                unit.members = members
                # the header (decorators, bases, keywords) is what the class itself mentions
                header = "".join(lines[start - 1 : members[0].start - 1])
                unit.names = frozenset(_IDENTIFIER.findall(header)) - {node.name, "class"}
        units.append(unit)
    return units


def _members(node: ast.ClassDef, owner: Unit, lines: list[str]) -> list[Unit] | None:
    members: list[Unit] = []
    for child in node.body:
        start, end = _span(child)
        if start <= node.lineno or (members and start <= members[-1].end):
            return None  # on the header's line, or sharing a line: the class stays whole
        text = "".join(lines[start - 1 : end])
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name: tuple[str, ...] = (child.name,)
        else:
            name = _binds(child, text)
        sets = set(_SELF_ATTRIBUTE.findall(text))
        if "setattr" in text:
            sets.add("*")  # setattr(self, name, ...): any attribute
        members.append(
            Unit(
                start,
                end,
                child,
                owner,
                name,
                frozenset(_IDENTIFIER.findall(text)),
                frozenset(_ATTRIBUTE.findall(text)),
                frozenset(sets.union(name)),
                _mutates(child, text, frozenset()),
            )
        )
    return members


def _span(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", ())
    start = min([node.lineno, *(d.lineno for d in decorators)])
    return start, node.end_lineno or node.lineno


def all_units(units: list[Unit]) -> Iterable[Unit]:
    for unit in units:
        yield unit
        yield from unit.members


def _always(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _mutates(node: ast.AST, text: str, names: frozenset[str]) -> frozenset[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return frozenset()
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return names
    out = set(_ITEM_STORE.findall(text))
    for found in _GLOBAL.findall(text):
        out.update(n.strip() for n in found.split(","))
    return frozenset(out)


def _binds(node: ast.stmt, text: str) -> tuple[str, ...]:
    """The module-level names a top-level statement binds (the outline's answer), and the
    names its functions declare ``global``."""
    out = list(bound_names(node, walrus=":=" in text))
    if "global" in text:
        for found in _GLOBAL.findall(text):
            out += [n.strip() for n in found.split(",")]
    return tuple(dict.fromkeys(out))
