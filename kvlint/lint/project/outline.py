"""A module's top-level statements, what each binds and mentions, and the slice of source that
defines one name: so a summary parses a few statements, never a whole imported module.

CPython's :mod:`ast` (an order of magnitude faster than libcst) finds the statements and their
line ranges; nothing here interprets them. :func:`slice_for` gives, for one name, the module's
imports, its ``__all__``, the statements binding the name, and (transitively, bounded) the
top-level functions, classes and assignments those statements mention: what the defining
module's own analysis would have used to describe the name (a function that builds a wrapper
class and calls its methods needs the class). A name the slice leaves out is unbound in it,
so it is unknown, never guessed.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

MAX_STATEMENTS = 48  # statements pulled into one slice, besides the imports
MAX_CALLS = 16  # imported names one function's summary lists as its calls
MAX_ROUNDS = 3  # mentions followed: the name's statement, its helpers, their helpers
KINDS = ("def", "class", "import", "assign", "block")


@dataclass(slots=True)
class Statement:
    """One top-level statement: its lines (1-based, inclusive, decorators included)."""

    start: int
    end: int
    kind: str  # one of KINDS; "block" is an if / try / with / for / while / match at top level
    node: ast.stmt
    binds: tuple[str, ...] = ()
    imports: bool = False  # is, or holds, an import statement
    _refs: frozenset[str] | None = field(default=None, repr=False)

    @property
    def refs(self) -> frozenset[str]:
        """The names the statement reads (computed when first asked)."""
        if self._refs is None:
            self._refs = frozenset(
                n.id for n in ast.walk(self.node) if isinstance(n, ast.Name) and n.id
            )
        return self._refs

    def alias(self, name: str) -> str | None:
        """For an import statement, what ``name`` is imported as, written as Python resolves
        it in the importing module (``..settings.URL``, ``pkg.sub``)."""
        node = self.node
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                if (alias.asname or alias.name) == name and alias.name != "*":
                    sep = "" if base.endswith(".") or not base else "."
                    return f"{base}{sep}{alias.name}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname == name:
                    return alias.name
                if alias.asname is None and alias.name.split(".", 1)[0] == name:
                    return name
        return None


@dataclass(slots=True)
class Outline:
    lines: list[str]
    statements: list[Statement]
    binds: dict[str, list[int]]  # name -> indexes of the statements that bind it, in order
    stars: tuple[str, ...] = ()  # ``from X import *`` modules, as written
    all: tuple[str, ...] | None = None  # ``__all__`` when it is one literal list of names
    error: str | None = None
    _memo: dict[int, list[ast.expr]] = field(default_factory=dict, repr=False)

    def binding(self, name: str) -> Statement | None:
        """The statement that binds ``name`` last (the likeliest value)."""
        found = self.binds.get(name)
        return self.statements[found[-1]] if found else None

    def slice_for(self, name: str) -> tuple[str, str]:
        """The source of the statements that define ``name``, with the imports they use and
        ``__all__`` (in source order), and the text of just the defining statements (for a
        cheap relevance test)."""
        return self._slice(set(self.binds.get(name, ())), {name})

    def slice_mentioning(self, markers: tuple[str, ...]) -> tuple[str, str] | None:
        """:meth:`slice_for` for the statements whose text holds one of ``markers`` (the
        writes to an application's configuration, ``.config[``); None when none does."""
        chosen = {
            i
            for i, s in enumerate(self.statements)
            if s.kind != "import" and any(m in self._text(s) for m in markers)
        }
        return self._slice(chosen, set()) if chosen else None

    def imported_modules(self) -> tuple[str, ...]:
        """What the module's top-level imports name, as written (``.config.configure``,
        ``pkg.settings``), at most ``MAX_CALLS``."""
        out: list[str] = []
        for statement in self.statements:
            if statement.kind == "import":
                out += [a for n in statement.binds if (a := statement.alias(n)) is not None]
        return tuple(dict.fromkeys(out))[:MAX_CALLS]

    def _slice(self, chosen: set[int], refs: set[str]) -> tuple[str, str]:
        frontier = set(chosen)
        for _ in range(MAX_ROUNDS):
            mentioned: set[int] = set()
            for index in frontier:
                for ref in self.statements[index].refs:
                    for other in self.binds.get(ref, ()):
                        statement = self.statements[other]
                        if other not in chosen and statement.kind != "import":
                            mentioned.add(other)
            mentioned -= chosen
            if not mentioned or len(chosen) + len(mentioned) > MAX_STATEMENTS:
                break
            chosen |= mentioned
            frontier = mentioned
        own = "".join(self._text(self.statements[i]) for i in sorted(chosen))
        for index in chosen:
            refs |= self.statements[index].refs
        # only the imports the chosen statements use (a module's other imports cost a parse)
        header = {
            i
            for i, s in enumerate(self.statements)
            if (s.imports and not refs.isdisjoint(s.binds)) or "__all__" in s.binds
        }
        text = "".join(self._text(self.statements[i]) for i in sorted(chosen | header))
        return text, own

    def calls_of(self, name: str) -> tuple[str, ...]:
        """The imported names the function ``name`` calls each time it runs, as this module
        writes them (``..vault.get_value``, ``pkg.kv.read``), also through the undecorated
        functions of this module it calls (one level). A decorated function says nothing (a
        decorator may cache it); a call under an ``if`` that stores something outliving the
        call (``if _x is None: _x = ...``, a memo) does not count, nor one in a nested scope."""
        statement = self.binding(name)
        node = statement.node if statement is not None else None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.decorator_list:
            return ()
        out: list[str] = []
        for callee in _calls(node):
            found = self._imported(callee)
            if found is None and isinstance(callee, ast.Name):
                local = self.binding(callee.id)
                helper = local.node if local is not None and local.kind == "def" else None
                if (
                    isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and helper is not node
                    and not helper.decorator_list
                ):
                    out += [n for c in _calls(helper) if (n := self._imported(c)) is not None]
            elif found is not None:
                out.append(found)
        return tuple(dict.fromkeys(out))[:MAX_CALLS]

    def method_calls(self, cls: str, method: str) -> tuple[str, ...]:
        """The imported names the method ``cls.method`` calls each time it runs (itself and
        the undecorated ``self`` methods it calls, one level), as this module writes them;
        for a class (a capitalised name) also its constructor, ``pkg.s.Session().__init__``,
        and the methods called on an instance made in the body (``Session().open``)."""
        statement = self.binding(cls)
        node = statement.node if statement is not None else None
        if not isinstance(node, ast.ClassDef):
            return ()
        methods = {
            m.name: m
            for m in node.body
            if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and not m.decorator_list
        }
        start = methods.get(method)
        if start is None:
            return ()
        bodies = [start]
        for callee in self._calls_of(start):
            if (
                isinstance(callee, ast.Attribute)
                and isinstance(callee.value, ast.Name)
                and callee.value.id == "self"
                and callee.attr in methods
                and methods[callee.attr] not in bodies
            ):
                bodies.append(methods[callee.attr])
        out: list[str] = []
        for body in bodies:
            made = self._instances(body)
            for callee in self._calls_of(body):
                found = self._imported(callee)
                if found is not None:
                    out.append(found)
                    if found.rpartition(".")[2][:1].isupper():
                        out.append(f"{found}().__init__")
                elif isinstance(callee, ast.Attribute):
                    maker = callee.value
                    if isinstance(maker, ast.Name):
                        made_by = made.get(maker.id)
                    elif isinstance(maker, ast.Call):
                        made_by = self._class(maker.func)
                    else:
                        made_by = None
                    if made_by is not None:
                        out.append(f"{made_by}().{callee.attr}")
        return tuple(dict.fromkeys(out))[:MAX_CALLS]

    def _calls_of(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
        """:func:`_calls`, once per function of the outline."""
        key = id(function)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = _calls(function)
        return found

    def _instances(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
        """Local names bound (once) to an instance of an imported class: name -> class."""
        out: dict[str, str] = {}
        seen: set[str] = set()
        for node in ast.walk(function):
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target = node.targets[0]
            if not isinstance(target, ast.Name):
                continue
            if target.id in seen:
                out.pop(target.id, None)  # rebound: unknown
                continue
            seen.add(target.id)
            if isinstance(node.value, ast.Call):
                found = self._class(node.value.func)
                if found is not None:
                    out[target.id] = found
        return out

    def imported_name(self, expr: ast.expr) -> str | None:
        """``expr`` as an imported dotted name (its root bound by an import of the module)."""
        return self._imported(expr)

    def _class(self, func: ast.expr) -> str | None:
        found = self._imported(func)
        return found if found is not None and found.rpartition(".")[2][:1].isupper() else None

    def _imported(self, func: ast.expr) -> str | None:
        """``func`` (a name or ``name.attr...``) as an imported dotted name, when its root
        name is bound by an import of this module."""
        attrs: list[str] = []
        while isinstance(func, ast.Attribute):
            attrs.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return None
        statement = self.binding(func.id)
        if statement is None or statement.kind != "import":
            return None
        base = statement.alias(func.id)
        if base is None:
            return None
        return ".".join([base, *reversed(attrs)]) if attrs else base

    def _text(self, statement: Statement) -> str:
        text = "".join(self.lines[statement.start - 1 : statement.end])
        return text if text.endswith(("\n", "\r")) else text + "\n"


def _calls(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """What the calls in ``function``'s own body call (not in nested scopes, not under a
    memo ``if``)."""
    out: list[ast.expr] = []
    stack: list[ast.AST] = list(function.body)
    names: set[str] | None = None  # the function's ``global`` names, when first needed
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and names is None:
            names = {n for s in ast.walk(function) if isinstance(s, ast.Global) for n in s.names}
        if isinstance(node, ast.If) and _stores(node, names or set()):
            stack.append(node.test)
            stack += node.orelse
            continue
        if isinstance(node, ast.Call):
            out.append(node.func)
        stack.extend(ast.iter_child_nodes(node))
    out.reverse()
    return out


def _stores(branch: ast.If, names: set[str]) -> bool:
    """The ``if`` body assigns an attribute, an item or a global (``names``): it remembers
    something."""
    for node in branch.body:
        for sub in ast.walk(node):
            targets = []
            if isinstance(sub, ast.Assign):
                targets = sub.targets
            elif isinstance(sub, (ast.AugAssign, ast.AnnAssign)):
                targets = [sub.target]
            for target in targets:
                if isinstance(target, (ast.Attribute, ast.Subscript)):
                    return True
                if isinstance(target, ast.Name) and target.id in names:
                    return True
    return False


def outline(text: str) -> Outline:
    """The outline of a module's source; ``error`` is set when CPython cannot parse it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            return Outline([], [], {}, error=type(exc).__name__)
    lines = text.splitlines(keepends=True)
    statements: list[Statement] = []
    binds: dict[str, list[int]] = {}
    stars: list[str] = []
    for node in tree.body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        end = node.end_lineno or node.lineno
        if statements and start <= statements[-1].end:  # ``a = 1; b = 2``: one line, one slice
            previous = statements[-1]
            names = previous.binds + bound_names(node, stars)
            imports = previous.imports or _has_import(node)
            statements[-1] = Statement(previous.start, end, "block", previous.node, names, imports)
            statements[-1]._refs = previous.refs | Statement(0, 0, "block", node).refs
        else:
            statements.append(
                Statement(
                    start, end, _kind(node), node, bound_names(node, stars), _has_import(node)
                )
            )
        for name in statements[-1].binds:
            found = binds.setdefault(name, [])
            if not found or found[-1] != len(statements) - 1:
                found.append(len(statements) - 1)
    return Outline(lines, statements, binds, tuple(stars), _all(tree))


def _kind(node: ast.stmt) -> str:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return "def"
    if isinstance(node, ast.ClassDef):
        return "class"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return "import"
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return "assign"
    return "block"


def bound_names(
    node: ast.stmt, stars: list[str] | None = None, walrus: bool = False
) -> tuple[str, ...]:
    """The module-level names a top-level statement binds (blocks: their bodies too, never
    inside a function or class); the modules of its star imports are added to ``stars``.
    ``walrus``: its text has ``:=``, so its expressions are searched for one too."""
    out: list[str] = []
    pending: list[ast.AST] = [node]
    if walrus:
        out += [
            n.target.id
            for n in ast.walk(node)
            if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
        ]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.ExceptHandler) and current.name:
            out.append(current.name)
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append(current.name)
            continue
        if isinstance(current, ast.Import):
            out += [a.asname or a.name.split(".", 1)[0] for a in current.names]
            continue
        if isinstance(current, ast.ImportFrom):
            for alias in current.names:
                if alias.name == "*":
                    if stars is not None:
                        stars.append("." * current.level + (current.module or ""))
                else:
                    out.append(alias.asname or alias.name)
            continue
        if isinstance(current, ast.Assign):
            for target in current.targets:
                out += _target_names(target)
            continue
        if isinstance(current, (ast.AnnAssign, ast.AugAssign)):
            out += _target_names(current.target)
            continue
        if isinstance(current, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
            targets = (
                [current.target]
                if isinstance(current, (ast.For, ast.AsyncFor))
                else [i.optional_vars for i in current.items if i.optional_vars is not None]
            )
            for target in targets:
                out += _target_names(target)
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.stmt, ast.excepthandler)):
                pending.append(child)
    return tuple(dict.fromkeys(out))


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _has_import(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    return any(
        isinstance(child, (ast.Import, ast.ImportFrom))
        or (isinstance(child, ast.stmt) and _has_import(child))
        for child in ast.iter_child_nodes(node)
    )


def _all(tree: ast.Module) -> tuple[str, ...] | None:
    """``__all__`` when the module assigns it exactly once, to a list or tuple of strings."""
    values = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            values.append(node.value)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and (
            isinstance(node.target, ast.Name) and node.target.id == "__all__"
        ):
            return None  # ``__all__ += ...``: not one literal
    if len(values) != 1 or not isinstance(values[0], (ast.List, ast.Tuple)):
        return None
    names = []
    for element in values[0].elts:
        if not isinstance(element, ast.Constant) or not isinstance(element.value, str):
            return None
        names.append(element.value)
    return tuple(names)
