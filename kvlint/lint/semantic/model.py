"""The semantic model of one module: names, scopes, qualified names, receiver types, values.

Generic Python knowledge only. :class:`Analysis` answers the questions every fact shares:
``qualname`` (import-resolved dotted name), ``bindings`` (what a name may refer to),
``types_of`` (receiver tracing through a :class:`TypeTable` the caller supplies: kvlint passes
the Key Vault table, :mod:`kvlint.lint.facts.types`), and ``fold`` (constant folding, see
:mod:`kvlint.lint.semantic.values`). Answers are memoised per node; facts built on top are
cached with :mod:`kvlint.lint.semantic.memo`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import libcst as cst

from kvlint.lint.project.summary import INSTANCE_PREFIX, LOCAL_CLASS, Symbol
from kvlint.lint.semantic.index import Binding, Indexer, Scope
from kvlint.lint.semantic.memo import node_fact
from kvlint.lint.semantic.positions import NodePositions
from kvlint.lint.semantic.syntax import annotated_classes, dotted, is_property, star_qualname
from kvlint.lint.semantic.walk import walk

if TYPE_CHECKING:
    from libcst.metadata import CodeRange

__all__ = ["Analysis", "Binding", "Imports", "NoTypes", "Scope", "TypeTable"]


class Imports(Protocol):
    """The module's window on the rest of its project
    (:class:`kvlint.lint.project.resolver.ModuleView`): what a first-party module says an
    import-resolved name is, and where it is defined."""

    def symbol(self, qualname: str) -> Symbol | None: ...
    def origin(self, qualname: str) -> tuple[Path, str] | None: ...
    def reached(
        self, qualname: str, want: Callable[[Symbol], bool], depth: int = ...
    ) -> list[tuple[Symbol, tuple[Path, str], tuple[str, ...]]]: ...


class TypeTable(Protocol):
    """What objects calls, methods, attributes and subscripts produce, as ``category:detail``
    tags (see :mod:`kvlint.lint.facts.types`)."""

    def constructed(self, qualname: str) -> str | None: ...
    def method_result(self, receiver: str, method: str) -> str | None: ...
    def attribute_result(self, receiver: str, attribute: str) -> str | None: ...
    def subscript_result(self, receiver: str, key: str | None) -> str | None: ...
    def element_of(self, tag: str) -> str | None: ...
    def category(self, tag: str) -> str: ...


class NoTypes:
    """A type table that knows no library: nothing is traced."""

    def constructed(self, qualname: str) -> str | None:
        return None

    def method_result(self, receiver: str, method: str) -> str | None:
        return None

    def attribute_result(self, receiver: str, attribute: str) -> str | None:
        return None

    def subscript_result(self, receiver: str, key: str | None) -> str | None:
        return None

    def element_of(self, tag: str) -> str | None:
        return None

    def category(self, tag: str) -> str:
        return tag.split(":", 1)[0]


class Analysis:
    """Shared, memoised answers about one module. Rules receive one instance per file."""

    def __init__(
        self,
        module: cst.Module,
        source: str,
        extra_vault_hosts: tuple[str, ...] = (),
        path: str = "",
        types: TypeTable | None = None,
        imports: Imports | None = None,
    ):
        self.module = module
        self.source = source
        self.path = path  # as given on the command line ("" for stdin); e.g. Django "views.py"
        self.extra_vault_hosts = extra_vault_hosts
        index = Indexer(module)
        walk(module, index)
        self.index = index
        self.parent = index.parent
        self.order = index.order
        self._types: dict[cst.CSTNode, frozenset[str]] = {}
        self._qualnames: dict[cst.CSTNode, str | None] = {}
        self._in_progress: set[cst.CSTNode] = set()
        self._folds: dict[cst.CSTNode, object] = {}
        self.types: TypeTable = types if types is not None else NoTypes()
        self.facts: dict[object, object] = {}  # facts cached by kvlint.lint.semantic.memo
        self.imports = imports  # None: names imported from other modules stay unknown
        # what other modules of the project tell this one about its functions (a vault URL
        # passed for a parameter, "function:param"; a call on every request, "request:function"):
        # key -> the call site, described
        self.incoming: dict[str, str] = {}
        # settings facts read, by their configuration key (set by the engine)
        self.options: dict[str, object] = {}

    # -- tree navigation -----------------------------------------------------------------------
    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parent = self.parent.get(node)
        while parent is not None:
            yield parent
            parent = self.parent.get(parent)

    def scope_of(self, node: cst.CSTNode) -> Scope:
        for ancestor in self.ancestors(node):
            scope = self.index.scopes.get(ancestor)
            if scope is not None:
                return scope
        return self.index.scopes[self.module]

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
        return None

    def enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.ClassDef):
                return ancestor
        return None

    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """Every node's position, computed only when asked (for what rules report, and
        messages that name a call site), one statement at a time (:mod:`.positions`)."""
        found = self.facts.get("model.positions")
        if found is None:
            found = self.facts["model.positions"] = NodePositions(
                self.module, self.source, self.parent
            )
        return found  # type: ignore[return-value]

    def release(self) -> None:
        """Drop the answers cached on this analysis once its file is done. A cached fact may
        hold the analysis itself (a cycle: analysis -> facts -> fact -> analysis), which would
        keep the whole tree alive until the cyclic garbage collector runs; once released, the
        tree is freed by reference counting as soon as the analysis is dropped."""
        self.facts.clear()
        self._types.clear()
        self._qualnames.clear()
        self._folds.clear()

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions()[node].start.line

    # -- names ---------------------------------------------------------------------------------
    def bindings(self, name: str, at: cst.CSTNode) -> list[Binding]:
        """The bindings ``name`` may refer to at node ``at``; the likeliest last.

        In the use's own scope only the bindings made before the use count (when there are any);
        an enclosing scope's bindings all count (a closure or global can be read later).
        """
        scope: Scope | None = self.scope_of(at)
        use_order = self.order.get(at, 0)
        first = True
        module_scope = self.index.scopes[self.module]
        while scope is not None:
            if name in scope.globals:
                scope = module_scope
            found = scope.bindings.get(name)
            if found and not (scope.kind == "class" and not first):
                if first:
                    before = [b for b in found if b.order <= use_order]
                    return before or found
                return found
            first = False
            scope = scope.parent
        return []

    def qualname(self, expr: cst.BaseExpression) -> str | None:
        """Import-resolved dotted name of a Name / Attribute chain, e.g. ``azure.identity.X``."""
        if expr in self._qualnames:
            return self._qualnames[expr]
        result: str | None = None
        if isinstance(expr, cst.Name):
            found = self.bindings(expr.value, expr)
            if found and found[-1].kind == "import":
                result = found[-1].qualname
            elif not found and self.imports is not None:  # ``from first_party import *``
                result = star_qualname(self.index.imports, expr.value, self.imports.symbol)
        elif isinstance(expr, cst.Attribute):
            base = self.qualname(expr.value)
            if base is not None:
                result = f"{base}.{expr.attr.value}"
        self._qualnames[expr] = result
        return result

    def callee(self, call: cst.Call) -> str | None:
        return self.qualname(call.func)

    def imported(self, expr: cst.BaseExpression, kind: str | None = None) -> Symbol | None:
        """What a first-party module says the imported name ``expr`` is (of ``kind``, when
        given); None when it is not imported, not first-party, or unknown."""
        if self.imports is None or not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        qual = self.qualname(expr)
        symbol = self.imports.symbol(qual) if qual is not None else None
        if symbol is None or (kind is not None and symbol.kind != kind):
            return None
        return symbol

    def origin(self, expr: cst.BaseExpression) -> tuple[Path, str] | None:
        """The file and name that define the first-party name ``expr`` refers to."""
        qual = self.qualname(expr) if self.imports is not None else None
        return self.imports.origin(qual) if qual is not None and self.imports else None

    def method_name(self, call: cst.Call) -> str | None:
        func = call.func
        return func.attr.value if isinstance(func, cst.Attribute) else None

    def receiver(self, call: cst.Call) -> cst.BaseExpression | None:
        func = call.func
        return func.value if isinstance(func, cst.Attribute) else None

    def assigned_values(self, name: cst.Name) -> list[cst.BaseExpression]:
        """Values assigned to ``name`` where it is used (``with ... as`` entered expressions too)."""
        return [
            b.value
            for b in self.bindings(name.value, name)
            if b.kind in ("assign", "with") and b.value is not None
        ]

    # -- receiver tracing ----------------------------------------------------------------------
    def types_of(self, expr: cst.BaseExpression) -> frozenset[str]:
        """What ``expr`` may evaluate to, as type tags (see :class:`TypeTable`)."""
        cached = self._types.get(expr)
        if cached is not None:
            return cached
        if expr in self._in_progress:
            return frozenset()
        self._in_progress.add(expr)
        try:
            result = frozenset(self._infer(expr))
        finally:
            self._in_progress.discard(expr)
        self._types[expr] = result
        return result

    def _infer(self, expr: cst.BaseExpression) -> set[str]:
        if isinstance(expr, cst.Await):
            return set(self.types_of(expr.expression))
        if isinstance(expr, cst.Name):
            out: set[str] = set()
            for binding in self.bindings(expr.value, expr):
                if binding.kind in ("assign", "with") and binding.value is not None:
                    out |= self.types_of(binding.value)
                elif binding.kind == "for" and binding.value is not None:
                    elements = (self.types.element_of(t) for t in self.types_of(binding.value))
                    out |= {e for e in elements if e is not None}
                elif binding.kind == "param" and isinstance(binding.node, cst.Param):
                    out |= self._annotation_types(binding.node)
                elif binding.kind == "import" and self.imports is not None:
                    out |= self._imported_tags(expr, "value")
            return out
        if isinstance(expr, cst.Call):
            return self._infer_call(expr)
        if isinstance(expr, cst.Attribute):
            return self._infer_attribute(expr)
        if isinstance(expr, cst.Subscript):
            key = (
                self.fold_str(expr.slice[0].slice.value)
                if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index)
                else None
            )
            return self._through(expr.value, lambda t: self.types.subscript_result(t, key))
        if isinstance(expr, cst.IfExp):
            return set(self.types_of(expr.body)) | set(self.types_of(expr.orelse))
        if isinstance(expr, cst.BooleanOperation):
            return set(self.types_of(expr.left)) | set(self.types_of(expr.right))
        return set()

    def _through(self, expr: cst.BaseExpression, step: Callable[[str], str | None]) -> set[str]:
        """The tags ``step`` gives for each of ``expr``'s tags (None: no result)."""
        return {result for tag in self.types_of(expr) if (result := step(tag))}

    def _annotation_types(self, param: cst.Param) -> set[str]:
        if param.annotation is None:
            return set()
        out: set[str] = set()
        for expr in annotated_classes(param.annotation.annotation):
            qual = self.qualname(expr)
            tag = (self.types.constructed(qual) if qual else None) or self.class_tag(expr)
            if tag:
                out.add(tag)
        return out

    def _infer_call(self, call: cst.Call) -> set[str]:
        qual = self.callee(call)
        if qual is not None:
            tag = self.types.constructed(qual)
            if tag is not None:
                return {tag}
        func = call.func
        tag = self.class_tag(func)
        if tag is not None:
            return {tag}
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            out = self._through(func.value, lambda t: self.types.method_result(t, method))
            if out:
                return out
        target = self.local_function(func)
        if target is not None:
            return self.returned_types(target)
        found = self.imported_method(func)
        if found is not None:
            return set(found[0].tags)
        return self._imported_tags(func, "function")

    # -- instances of the project's own classes ------------------------------------------------
    def class_tag(self, expr: cst.BaseExpression) -> str | None:
        """The tag of an instance of the class ``expr`` names, when it is a class defined at
        this module's top level (``instance:~Name``) or imported from a first-party module
        (``instance:<its qualname>``)."""
        if isinstance(expr, cst.Name):
            found = self.bindings(expr.value, expr)
            if found and found[-1].kind == "class":
                top = self._top_class(expr.value)
                if top is not None and top is found[-1].node:
                    return f"{INSTANCE_PREFIX}{LOCAL_CLASS}{expr.value}"
                return None  # a class nested in a function: unknown
        if self.imports is not None and self.imported(expr, "class") is not None:
            return f"{INSTANCE_PREFIX}{self.qualname(expr)}"
        return None

    def top_class(self, name: str) -> cst.ClassDef | None:
        """The class this module defines at its top level as ``name``."""
        return self._top_class(name)

    def _top_class(self, name: str) -> cst.ClassDef | None:
        found = self.index.scopes[self.module].bindings.get(name)
        node = found[-1].node if found else None
        return node if isinstance(node, cst.ClassDef) else None

    def _instance_method(self, func: cst.Attribute) -> cst.FunctionDef | None:
        """The ``def`` of ``obj.method`` when ``obj`` is an instance of a class defined at this
        module's top level."""
        method = func.attr.value
        if method not in self._method_names():
            return None  # cheap first: no class here defines a method of that name
        local = INSTANCE_PREFIX + LOCAL_CLASS
        for tag in self.types_of(func.value):
            cls = self._top_class(tag[len(local) :]) if tag.startswith(local) else None
            if cls is None:
                continue
            for binding in self.index.scopes[cls].bindings.get(method, ()):
                if binding.kind == "def" and isinstance(binding.node, cst.FunctionDef):
                    return binding.node
        return None

    def _method_names(self) -> frozenset[str]:
        found = self.facts.get("model.method_names")
        if found is None:
            module = self.index.scopes[self.module]
            found = self.facts["model.method_names"] = frozenset(
                statement.name.value
                for bindings in module.bindings.values()
                for b in bindings
                if isinstance(b.node, cst.ClassDef)
                for statement in b.node.body.body
                if isinstance(statement, cst.FunctionDef)
            )
        return found  # type: ignore[return-value]

    def imported_method(self, func: cst.BaseExpression) -> tuple[Symbol, tuple[Path, str]] | None:
        """For ``obj.method`` where ``obj`` is an instance of a class another module of the
        project defines: what that module says the method does, and where it is defined (the
        file and ``Class.method``)."""
        if self.imports is None or not isinstance(func, cst.Attribute):
            return None
        for tag in self.types_of(func.value):
            if not tag.startswith(INSTANCE_PREFIX) or tag.startswith(INSTANCE_PREFIX + LOCAL_CLASS):
                continue
            qual = f"{tag[len(INSTANCE_PREFIX) :]}().{func.attr.value}"  # an instance's
            symbol = self.imports.symbol(qual)
            origin = self.imports.origin(qual)
            if symbol is not None and symbol.kind == "function" and origin is not None:
                return symbol, origin
        return None

    def _imported_tags(self, expr: cst.BaseExpression, kind: str) -> set[str]:
        """The type tags another module gives a value it defines, or a function's result."""
        if self.imports is None:
            return set()
        symbol = self.imported(expr, kind)
        return set(symbol.tags) if symbol is not None else set()

    def _infer_attribute(self, expr: cst.Attribute) -> set[str]:
        name = expr.attr.value
        out = self._through(expr.value, lambda t: self.types.attribute_result(t, name))
        if out:
            return out
        for value in self.attribute_values(expr):
            out |= self.types_of(value)
        prop = self.local_function(expr)
        if prop is not None and is_property(prop):
            out |= self.returned_types(prop)
        if not out:
            out |= self._imported_tags(expr, "value")
        return out

    def attribute_values(self, expr: cst.Attribute) -> list[cst.BaseExpression]:
        """Values assigned to ``self.x`` (in any method) or ``cls.x`` / class-level ``x``."""
        if not isinstance(expr.value, cst.Name) or expr.value.value not in ("self", "cls"):
            return []
        cls = self.enclosing_class(expr)
        if cls is None:
            return []
        name = expr.attr.value
        values = list(self.index.instance_attrs.get(cls, {}).get(name, ()))
        class_scope = self.index.scopes[cls]
        values += [b.value for b in class_scope.bindings.get(name, ()) if b.value is not None]
        return values

    def local_function(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """The same-module ``def`` a call target refers to: ``f``, ``self.f``, ``cls.f``, and
        ``obj.f`` for an instance ``obj`` of a class defined at this module's top level."""
        if isinstance(func, cst.Name):
            for binding in reversed(self.bindings(func.value, func)):
                if binding.kind == "def" and isinstance(binding.node, cst.FunctionDef):
                    return binding.node
                return None
        if not isinstance(func, cst.Attribute):
            return None
        if isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            cls = self.enclosing_class(func)
            if cls is not None:
                for binding in self.index.scopes[cls].bindings.get(func.attr.value, ()):
                    if binding.kind == "def" and isinstance(binding.node, cst.FunctionDef):
                        return binding.node
                return None
        return self._instance_method(func)

    def returns_of(self, function: cst.FunctionDef) -> list[cst.BaseExpression]:
        return returns_of(self, function)

    def returned_types(self, function: cst.FunctionDef) -> set[str]:
        out: set[str] = set()
        for value in self.returns_of(function):
            out |= self.types_of(value)
        return out

    def is_a(self, expr: cst.BaseExpression, category: str) -> bool:
        """True when ``expr`` is traced to a value of ``category`` (e.g. ``kv-client``)."""
        return any(self.types.category(tag) == category for tag in self.types_of(expr))

    def decorator_names(self, function: cst.FunctionDef) -> list[str]:
        """Import-resolved names of a function's decorators (call decorators by their callee)."""
        names = []
        for decorator in function.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            names.append(self.qualname(expr) or dotted(expr) or "")
        return names

    # -- values --------------------------------------------------------------------------------
    def fold(self, expr: cst.BaseExpression):
        """Constant-fold ``expr`` (see :func:`kvlint.lint.semantic.values.fold`), memoised."""
        from kvlint.lint.semantic import values

        if expr not in self._folds:
            self._folds[expr] = None  # recursion guard
            self._folds[expr] = values.fold(self, expr)
        return self._folds[expr]

    def fold_str(self, expr: cst.BaseExpression) -> str | None:
        """The folded text only when it is fully known."""
        from kvlint.lint.semantic import values

        folded = self.fold(expr)
        if folded is None or values.UNKNOWN in folded.text:
            return None
        return folded.text


@node_fact
def returns_of(analysis: Analysis, function: cst.FunctionDef) -> list[cst.BaseExpression]:
    """The values ``function`` returns (its own ``return`` statements, not nested ones)."""
    return [
        ret.value
        for ret in analysis.index.returns
        if ret.value is not None and analysis.enclosing_function(ret) is function
    ]
