"""One traversal of a parsed module, and the facts every rule asks about.

kvlint deliberately does not use libcst's metadata providers on the lint path (ScopeProvider and
QualifiedNameProvider cost more than parsing itself). Instead, a single ``Indexer`` pass records:

* the parent of every node (so rules can ask "which loop / function / handler encloses this?"),
* a small symbol table per scope (imports, assignments, parameters, ``for`` / ``with`` targets,
  ``def`` and ``class`` names, ``self.attr`` assignments per class),
* lists of the nodes rules look at (calls, dict literals, returns, functions, imports).

On top of that, :class:`Analysis` answers the questions every rule family shares:
``qualname`` (import-resolved dotted name), ``types_of`` (receiver tracing: is this expression a
Key Vault client, a credential, an access token, a secret?), and ``fold`` (constant folding,
see :mod:`kvlint.lint.values`). Answers are memoised per node.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from kvlint.lint import types as kvtypes
from kvlint.lint.walk import walk

COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


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
        self._handlers = {
            cst.Call: self._call,
            cst.Dict: self.dicts.append,
            cst.Return: self.returns.append,
            cst.Import: self._import,
            cst.ImportFrom: self._import_from,
            cst.Assign: self._assign,
            cst.AnnAssign: self._ann_assign,
            cst.AugAssign: self._aug_assign,
            cst.NamedExpr: self._named_expr,
            cst.For: self._for,
            cst.CompFor: self._for,
            cst.WithItem: self._with_item,
            cst.ExceptHandler: self._except,
            cst.Global: self._global,
            cst.Nonlocal: self._global,
        }

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
            self._enter_scope(node)  # type: ignore[arg-type]
        else:
            handler = self._handlers.get(kind)
            if handler is not None:
                handler(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()
        if original_node in self.scopes and self._scope.node is original_node:
            self._scope = self._scope.parent  # type: ignore[assignment]

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
            return scope.parent.node  # type: ignore[return-value]
        return None

    def _call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def _import(self, node: cst.Import) -> None:
        self.imports.append(node)
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._scope.bind(
                    alias.asname.name.value, self._binding("import", node, qualname=dotted)
                )
            else:
                top = dotted.split(".", 1)[0]
                self._scope.bind(top, self._binding("import", node, qualname=top))

    def _import_from(self, node: cst.ImportFrom) -> None:
        self.imports.append(node)
        if isinstance(node.names, cst.ImportStar):
            return
        module = _dotted(node.module) if node.module is not None else ""
        dots = "." * len(node.relative)
        base = f"{dots}{module}" if module else dots
        for alias in node.names:
            name = _dotted(alias.name)
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


def _dotted(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


class Analysis:
    """Shared, memoised answers about one module. Rules receive one instance per file."""

    def __init__(
        self,
        module: cst.Module,
        source: str,
        extra_vault_hosts: tuple[str, ...] = (),
        path: str = "",
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
        self.memo: dict[object, object] = {}  # free-form memo for rule families' shared facts

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

    def loops_around(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """Loops (and comprehensions) enclosing ``node`` within its function, innermost first.

        A node in a ``for`` loop's ``iter`` or a comprehension's first ``iter`` runs once, so
        it is not counted as inside that loop.
        """
        loops: list[cst.CSTNode] = []
        child = node
        in_first_iter = False  # the path came up through a comprehension's ``for ... in X``
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(ancestor, cst.For):
                if child is not ancestor.iter and child is not ancestor.orelse:
                    loops.append(ancestor)
            elif isinstance(ancestor, cst.While):
                if child is not ancestor.orelse:
                    loops.append(ancestor)
            elif isinstance(ancestor, cst.CompFor):
                in_first_iter = child is ancestor.iter
                child = ancestor
                continue
            elif isinstance(ancestor, COMPREHENSIONS) and not (
                child is ancestor.for_in and in_first_iter
            ):
                loops.append(ancestor)
            in_first_iter = False
            child = ancestor
        return loops

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
            for binding in reversed(self.bindings(expr.value, expr)):
                if binding.kind == "import":
                    result = binding.qualname
                break
        elif isinstance(expr, cst.Attribute):
            base = self.qualname(expr.value)
            if base is not None:
                result = f"{base}.{expr.attr.value}"
        self._qualnames[expr] = result
        return result

    def callee(self, call: cst.Call) -> str | None:
        return self.qualname(call.func)

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
        """What ``expr`` may evaluate to, as kvlint type tags (see :mod:`kvlint.lint.types`)."""
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
                    out |= {kvtypes.element_of(t) for t in self.types_of(binding.value)} - {None}
                elif binding.kind == "param" and isinstance(binding.node, cst.Param):
                    out |= self._annotation_types(binding.node)
            return out
        if isinstance(expr, cst.Call):
            return self._infer_call(expr)
        if isinstance(expr, cst.Attribute):
            return self._infer_attribute(expr)
        if isinstance(expr, cst.Subscript):
            out = set()
            key = (
                self.fold_str(expr.slice[0].slice.value)
                if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index)
                else None
            )
            for base in self.types_of(expr.value):
                result = kvtypes.subscript_result(base, key)
                if result:
                    out.add(result)
            return out
        if isinstance(expr, cst.IfExp):
            return set(self.types_of(expr.body)) | set(self.types_of(expr.orelse))
        if isinstance(expr, cst.BooleanOperation):
            return set(self.types_of(expr.left)) | set(self.types_of(expr.right))
        return set()

    def _annotation_types(self, param: cst.Param) -> set[str]:
        if param.annotation is None:
            return set()
        qual = self.qualname(param.annotation.annotation)
        tag = kvtypes.constructed(qual) if qual else None
        return {tag} if tag else set()

    def _infer_call(self, call: cst.Call) -> set[str]:
        qual = self.callee(call)
        if qual is not None:
            tag = kvtypes.constructed(qual)
            if tag is not None:
                return {tag}
        func = call.func
        if isinstance(func, cst.Attribute):
            out: set[str] = set()
            for receiver_type in self.types_of(func.value):
                result = kvtypes.method_result(receiver_type, func.attr.value)
                if result:
                    out.add(result)
            if out:
                return out
        target = self.local_function(func)
        if target is not None:
            return self.returned_types(target)
        return set()

    def _infer_attribute(self, expr: cst.Attribute) -> set[str]:
        out: set[str] = set()
        for base in self.types_of(expr.value):
            result = kvtypes.attribute_result(base, expr.attr.value)
            if result:
                out.add(result)
        if out:
            return out
        for value in self.attribute_values(expr):
            out |= self.types_of(value)
        prop = self.local_function(expr)
        if prop is not None and _is_property(prop):
            out |= self.returned_types(prop)
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
        """The same-module ``def`` a call target refers to: ``f``, ``self.f``, ``cls.f``."""
        if isinstance(func, cst.Name):
            for binding in reversed(self.bindings(func.value, func)):
                if binding.kind == "def" and isinstance(binding.node, cst.FunctionDef):
                    return binding.node
                return None
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in ("self", "cls")
        ):
            cls = self.enclosing_class(func)
            if cls is not None:
                for binding in self.index.scopes[cls].bindings.get(func.attr.value, ()):
                    if binding.kind == "def" and isinstance(binding.node, cst.FunctionDef):
                        return binding.node
        return None

    def returns_of(self, function: cst.FunctionDef) -> list[cst.BaseExpression]:
        key = ("returns", function)
        cached = self.memo.get(key)
        if cached is None:
            cached = [
                ret.value
                for ret in self.index.returns
                if ret.value is not None and self.enclosing_function(ret) is function
            ]
            self.memo[key] = cached
        return cached  # type: ignore[return-value]

    def returned_types(self, function: cst.FunctionDef) -> set[str]:
        out: set[str] = set()
        for value in self.returns_of(function):
            out |= self.types_of(value)
        return out

    def is_a(self, expr: cst.BaseExpression, category: str) -> bool:
        """True when ``expr`` is traced to a value of ``category`` (e.g. ``kv-client``)."""
        return any(kvtypes.category(tag) == category for tag in self.types_of(expr))

    def decorator_names(self, function: cst.FunctionDef) -> list[str]:
        """Import-resolved names of a function's decorators (call decorators by their callee)."""
        names = []
        for decorator in function.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            names.append(self.qualname(expr) or _dotted(expr) or "")
        return names

    # -- values --------------------------------------------------------------------------------
    def fold(self, expr: cst.BaseExpression):
        """Constant-fold ``expr`` (see :func:`kvlint.lint.values.fold`), memoised."""
        from kvlint.lint import values

        if expr not in self._folds:
            self._folds[expr] = None  # recursion guard
            self._folds[expr] = values.fold(self, expr)
        return self._folds[expr]

    def fold_str(self, expr: cst.BaseExpression) -> str | None:
        """The folded text only when it is fully known."""
        from kvlint.lint import values

        folded = self.fold(expr)
        if folded is None or values.UNKNOWN in folded.text:
            return None
        return folded.text


def _is_property(function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        expr = decorator.decorator
        name = _dotted(expr.func if isinstance(expr, cst.Call) else expr) or ""
        if name.rsplit(".", 1)[-1] in ("property", "cached_property"):
            return True
    return False


def arg(call: cst.Call, keyword: str | None = None, position: int | None = None):
    """The argument of ``call`` given by keyword or (else) by position, or None."""
    if keyword is not None:
        for argument in call.args:
            if argument.keyword is not None and argument.keyword.value == keyword:
                return argument
    if position is not None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if position < len(positional):
            return positional[position]
    return None


def keywords(call: cst.Call) -> dict[str, cst.Arg]:
    return {a.keyword.value: a for a in call.args if a.keyword is not None}
