"""The single traversal of a parsed module: parents, pre-order, scopes, bindings, and the lists
of nodes rules look at (calls, dict literals, returns, functions, classes, imports, assignments).

kvlint deliberately does not use libcst's metadata providers on the lint path (ScopeProvider and
QualifiedNameProvider cost more than parsing itself); one :class:`Indexer` pass records what the
semantic model (:mod:`kvlint.lint.semantic.model`) needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import libcst as cst

from kvlint.lint.semantic.syntax import dotted

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(slots=True)
class Binding:
    """One way a name gets a value in a scope."""

    kind: str  # import, assign, param, def, class, for, with, except, global
    order: int
    node: cst.CSTNode  # the statement / parameter / def that binds
    value: cst.BaseExpression | None = None  # the assigned (or iterated, or entered) expression
    qualname: str | None = None  # for imports


@dataclass(slots=True)
class Scope:
    node: cst.CSTNode
    kind: str  # module, class, function, lambda
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


class Indexer(cst.CSTVisitor):
    """The single traversal: parents, scopes, bindings and interesting nodes."""

    def __init__(self, module: cst.Module) -> None:
        self.parent: dict[cst.CSTNode, cst.CSTNode] = {}
        self.order: dict[cst.CSTNode, int] = {}
        self.scopes: dict[cst.CSTNode, Scope] = {}
        self.calls: list[cst.Call] = []
        self.dicts: list[cst.Dict] = []
        self.returns: list[cst.Return] = []
        self.functions: list[cst.FunctionDef] = []
        self.classes: list[cst.ClassDef] = []
        self.imports: list[cst.Import | cst.ImportFrom] = []
        self.assignments: list[tuple[cst.BaseExpression, cst.BaseExpression, cst.CSTNode]] = []
        # class node -> attribute name -> assigned values (``self.x = ...`` in any method)
        self.instance_attrs: dict[cst.ClassDef, dict[str, list[cst.BaseExpression]]] = {}
        self._stack: list[cst.CSTNode] = []
        self._scope = Scope(module, "module", None)
        self.scopes[module] = self._scope
        self._module_scope = self._scope
        self._counter = 0

    # -- traversal -------------------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        stack = self._stack
        if stack:
            self.parent[node] = stack[-1]
        self._counter += 1
        self.order[node] = self._counter
        stack.append(node)
        kind = type(node)
        if kind is cst.FunctionDef or kind is cst.ClassDef or kind is cst.Lambda:
            self._enter_scope(cast("cst.FunctionDef | cst.ClassDef | cst.Lambda", node))
        else:
            handler = _HANDLERS.get(kind)
            if handler is not None:
                handler(self, node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()
        if original_node in self.scopes and self._scope.node is original_node:
            parent = self._scope.parent
            if parent is not None:
                self._scope = parent

    # -- scopes and bindings -----------------------------------------------------------------
    def _binding(self, kind: str, node: cst.CSTNode, value=None, qualname=None) -> Binding:
        return Binding(kind, self._counter, node, value, qualname)

    def _enter_scope(self, node: cst.FunctionDef | cst.ClassDef | cst.Lambda) -> None:
        if isinstance(node, cst.FunctionDef):
            self.functions.append(node)
            self._scope.bind(node.name.value, self._binding("def", node))
            kind = "function"
        elif isinstance(node, cst.ClassDef):
            self.classes.append(node)
            self._scope.bind(node.name.value, self._binding("class", node))
            kind = "class"
        else:
            kind = "lambda"
        scope = Scope(node, kind, self._scope)
        self.scopes[node] = scope
        self._scope = scope
        if not isinstance(node, cst.ClassDef):
            params = node.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                scope.bind(param.name.value, self._binding("param", param))
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    scope.bind(star.name.value, self._binding("param", star))

    def _bind_target(self, target: cst.BaseExpression, value, kind: str, stmt) -> None:
        if isinstance(target, cst.Name):
            scope = self._scope
            if target.value in scope.globals:  # ``global x`` then ``x = ...``: a module binding
                scope = self._module_scope
            scope.bind(target.value, self._binding(kind, stmt, value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            values = None
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(
                target.elements
            ):
                values = [element.value for element in value.elements]
            for i, element in enumerate(target.elements):
                sub = values[i] if values is not None and kind == "assign" else None
                self._bind_target(element.value, sub, kind, stmt)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None, kind, stmt)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and value is not None
        ):
            cls = self.enclosing_class()
            if cls is not None:
                attrs = self.instance_attrs.setdefault(cls, {})
                attrs.setdefault(target.attr.value, []).append(value)

    def enclosing_class(self) -> cst.ClassDef | None:
        scope = self._scope
        if scope.kind == "function" and scope.parent is not None and scope.parent.kind == "class":
            return cast(cst.ClassDef, scope.parent.node)
        return None

    def _call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def _dict(self, node: cst.Dict) -> None:
        self.dicts.append(node)

    def _return(self, node: cst.Return) -> None:
        self.returns.append(node)

    def _import(self, node: cst.Import) -> None:
        self.imports.append(node)
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._scope.bind(
                    alias.asname.name.value, self._binding("import", node, qualname=full)
                )
            else:
                top = full.split(".", 1)[0]
                self._scope.bind(top, self._binding("import", node, qualname=top))

    def _import_from(self, node: cst.ImportFrom) -> None:
        self.imports.append(node)
        if isinstance(node.names, cst.ImportStar):
            return
        module = dotted(node.module) if node.module is not None else ""
        dots = "." * len(node.relative)
        base = f"{dots}{module}" if module else dots
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            qual = f"{base}.{name}" if base and not base.endswith(".") else f"{base}{name}"
            self._scope.bind(local, self._binding("import", node, qualname=qual))

    def _assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.assignments.append((target.target, node.value, node))
            self._bind_target(target.target, node.value, "assign", node)

    def _ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.assignments.append((node.target, node.value, node))
        self._bind_target(node.target, node.value, "assign", node)

    def _aug_assign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None, "augassign", node)

    def _named_expr(self, node: cst.NamedExpr) -> None:
        self.assignments.append((node.target, node.value, node))
        self._bind_target(node.target, node.value, "assign", node)

    def _for(self, node: cst.For | cst.CompFor) -> None:
        self._bind_target(node.target, node.iter, "for", node)

    def _with_item(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, node.item, "with", node)

    def _except(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._scope.bind(node.name.name.value, self._binding("except", node, node.type))

    def _global(self, node: cst.Global | cst.Nonlocal) -> None:
        for item in node.names:
            self._scope.globals.add(item.name.value)


# What the Indexer does on each kind of node: plain functions, not bound methods, so that an
# Indexer (which holds every node of its tree through ``parent``) is not in a reference cycle
# with itself and its tree is freed as soon as the last analysis of it is dropped, rather than
# surviving until the cyclic garbage collector runs.
_HANDLERS: dict[type[cst.CSTNode], Callable[[Indexer, Any], object]] = {
    cst.Call: Indexer._call,
    cst.Dict: Indexer._dict,
    cst.Return: Indexer._return,
    cst.Import: Indexer._import,
    cst.ImportFrom: Indexer._import_from,
    cst.Assign: Indexer._assign,
    cst.AnnAssign: Indexer._ann_assign,
    cst.AugAssign: Indexer._aug_assign,
    cst.NamedExpr: Indexer._named_expr,
    cst.For: Indexer._for,
    cst.CompFor: Indexer._for,
    cst.WithItem: Indexer._with_item,
    cst.ExceptHandler: Indexer._except,
    cst.Global: Indexer._global,
    cst.Nonlocal: Indexer._global,
}
