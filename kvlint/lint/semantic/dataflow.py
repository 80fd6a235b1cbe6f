"""Generic data flow and tree queries over one module (no Key Vault knowledge).

* :func:`derives_from`: whether an expression is computed from nodes matching a predicate
  (through local assignments and ``self.x`` attributes, a few hops),
* :func:`subtree` / :func:`sub_expressions`: the nodes below a node (without nested scopes),
* :func:`dotted_text`, :func:`names_in`, :func:`mentions`: names an expression uses,
* the same-module call graph: :func:`calls_by_function`, :func:`callers`,
  :func:`functions_around`, and :func:`imported_modules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import libcst as cst

from kvlint.lint.semantic.memo import module_fact, node_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.walk import children

NESTED_SCOPES = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})


def sub_expressions(expr: cst.CSTNode, nested: bool = False) -> Iterator[cst.CSTNode]:
    """``expr`` and the nodes below it; lambdas and nested definitions only if ``nested``."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if (
            not nested
            and node is not expr
            and isinstance(node, (cst.Lambda, cst.FunctionDef, cst.ClassDef))
        ):
            continue
        stack.extend(children(node))


_BLOCKS = (cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite)


def reaching_values(analysis: Analysis, name: cst.Name) -> list[cst.BaseExpression]:
    """The values assigned to ``name`` that may still hold where it is used: walking back from
    the use, the assignments up to and including the latest one that certainly ran before it
    (a statement of a block that encloses the use, in the use's own scope). ``headers = arm``
    then ``headers = vault`` before a request: only ``vault`` reaches it. Without such an
    assignment, every earlier one (:meth:`Analysis.assigned_values`)."""
    bindings = analysis.bindings(name.value, name)
    use_order = analysis.order.get(name, 0)
    scope = analysis.scope_of(name)
    around = set(analysis.ancestors(name))
    reaching = []
    for binding in sorted(bindings, key=lambda b: b.order, reverse=True):
        if binding.order > use_order or analysis.scope_of(binding.node) is not scope:
            return analysis.assigned_values(name)  # a closure, a later or outer binding
        reaching.append(binding)
        block = next((a for a in analysis.ancestors(binding.node) if isinstance(a, _BLOCKS)), None)
        if binding.kind == "assign" and block is not None and block in around:
            break  # it ran on every path to the use: nothing earlier reaches
    return [b.value for b in reaching if b.kind in ("assign", "with") and b.value is not None]


def derives_from(
    analysis: Analysis,
    expr: cst.BaseExpression,
    predicate: Callable[[cst.CSTNode], bool],
    depth: int = 4,
    flow: bool = False,
) -> bool:
    """True when ``expr`` (or a name it is computed from, through local assignments and
    ``self.x`` attributes, up to ``depth`` hops) contains a node matching ``predicate``.
    ``flow``: a name's value is only what reaches the use (:func:`reaching_values`)."""
    seen: set[cst.CSTNode] = set()
    frontier = [expr]
    for _ in range(depth + 1):
        following: list[cst.BaseExpression] = []
        for root in frontier:
            for node in sub_expressions(root):
                if node in seen:
                    continue
                seen.add(node)
                if predicate(node):
                    return True
                if isinstance(node, cst.Name):
                    following += (
                        reaching_values(analysis, node) if flow else analysis.assigned_values(node)
                    )
                elif isinstance(node, cst.Attribute):
                    following += analysis.attribute_values(node)
        if not following:
            return False
        frontier = following
    return False


def dotted_text(expr: cst.BaseExpression) -> str | None:
    """``x`` for a name, ``self.x`` for an attribute chain (a subscript: its container)."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted_text(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    if isinstance(expr, cst.Subscript):
        return dotted_text(expr.value)
    return None


def mentions(analysis: Analysis, node: cst.CSTNode, texts: set[str]) -> bool:
    for sub in subtree(analysis, node):
        if isinstance(sub, (cst.Name, cst.Attribute)) and dotted_text(sub) in texts:
            return True
    return False


@node_fact
def subtree(analysis: Analysis, node: cst.CSTNode) -> list[cst.CSTNode]:
    """``node`` and the nodes below it, without the bodies of nested defs, lambdas and classes.

    The index visits nodes in pre-order, so a subtree is a contiguous run of ``analysis.order``;
    its end is found by bisection on "is an ancestor", far cheaper than libcst's ``children``.
    """
    nodes = _preorder(analysis)
    start = analysis.order[node] - 1
    end = _subtree_end(analysis, nodes, node, start)
    out = []
    index = start
    while index < end:
        current = nodes[index]
        out.append(current)
        if current is not node and type(current) in NESTED_SCOPES:
            index = _subtree_end(analysis, nodes, current, index)
        else:
            index += 1
    return out


@module_fact
def _preorder(analysis: Analysis) -> list[cst.CSTNode]:
    return list(analysis.order)


def _subtree_end(
    analysis: Analysis, nodes: list[cst.CSTNode], node: cst.CSTNode, start: int
) -> int:
    """The index just past the last descendant of ``nodes[start]`` (which is ``node``)."""
    low, high = start + 1, len(nodes)
    while low < high:
        middle = (low + high) // 2
        if _is_below(analysis, nodes[middle], node):
            low = middle + 1
        else:
            high = middle
    return low


def _is_below(analysis: Analysis, candidate: cst.CSTNode, node: cst.CSTNode) -> bool:
    parent = analysis.parent.get(candidate)
    while parent is not None:
        if parent is node:
            return True
        parent = analysis.parent.get(parent)
    return False


def names_in(analysis: Analysis, node: cst.CSTNode) -> set[str]:
    return {n.value for n in subtree(analysis, node) if type(n) is cst.Name}


def functions_around(analysis: Analysis, node: cst.CSTNode) -> Iterator[cst.FunctionDef]:
    for ancestor in analysis.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            yield ancestor


@module_fact
def calls_by_function(analysis: Analysis) -> dict[cst.FunctionDef | None, list[cst.Call]]:
    """Every call, by the function it is in (None: module level)."""
    out: dict[cst.FunctionDef | None, list[cst.Call]] = {}
    for call in analysis.index.calls:
        out.setdefault(analysis.enclosing_function(call), []).append(call)
    return out


@module_fact
def _callers(analysis: Analysis) -> dict[cst.FunctionDef, list[cst.Call]]:
    out: dict[cst.FunctionDef, list[cst.Call]] = {}
    for call in analysis.index.calls:
        target = analysis.local_function(call.func)
        if target is not None:
            out.setdefault(target, []).append(call)
    return out


def callers(analysis: Analysis, function: cst.FunctionDef) -> list[cst.Call]:
    """The same-module calls of ``function``."""
    return _callers(analysis).get(function, [])


@module_fact
def imported_modules(analysis: Analysis) -> set[str]:
    """The qualified names of everything the module imports (any scope)."""
    out: set[str] = set()
    for scope in analysis.index.scopes.values():
        for bindings in scope.bindings.values():
            out |= {b.qualname for b in bindings if b.kind == "import" and b.qualname}
    return out


def imports_any(analysis: Analysis, prefixes: tuple[str, ...]) -> bool:
    return any(
        q == p or q.startswith(p + ".") for q in imported_modules(analysis) for p in prefixes
    )


def assigned_name(analysis: Analysis, call: cst.Call) -> str | None:
    node: cst.CSTNode = call
    parent = analysis.parent.get(node)
    if isinstance(parent, cst.Await):
        node, parent = parent, analysis.parent.get(parent)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
        return target.value if isinstance(target, cst.Name) else None
    if isinstance(parent, cst.WithItem) and parent.asname is not None:
        target = parent.asname.name
        return target.value if isinstance(target, cst.Name) else None
    return None


def made_by(
    analysis: Analysis,
    expr: cst.BaseExpression,
    depth: int = 4,
    injected: Mapping[str, str] | None = None,
) -> set[str]:
    """The import-resolved names of the calls, classes and annotations an object comes from:
    ``Celery(...)`` for ``app = Celery(...)``, ``pyspark.sql.SparkSession`` for
    ``spark.read.csv(p).select(...)``, ``pandas.DataFrame`` for a parameter annotated so,
    through local assignments, ``with ... as`` and method / attribute / subscript chains.
    ``injected``: what a name the module never binds is (a notebook's ``spark``)."""
    out: set[str] = set()
    frontier: list[cst.BaseExpression] = [expr]
    seen: set[cst.CSTNode] = set()
    for _ in range(depth * 3):
        following: list[cst.BaseExpression] = []
        for node in frontier:
            if node in seen:
                continue
            seen.add(node)
            qual = analysis.qualname(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
            if qual is not None:
                out.add(qual)
            if isinstance(node, cst.Await):
                following.append(node.expression)
            elif isinstance(node, cst.Call):
                callee = analysis.callee(node)
                if callee is not None:
                    out.add(callee)
                following.append(node.func)
            elif isinstance(node, (cst.Attribute, cst.Subscript)):
                following.append(node.value)
            elif isinstance(node, cst.Name):
                following += analysis.assigned_values(node)
                bindings = analysis.bindings(node.value, node)
                if injected and not bindings and node.value in injected:
                    out.add(injected[node.value])
                for binding in bindings:
                    param = binding.node
                    if binding.kind == "param" and isinstance(param, cst.Param):
                        annotation = param.annotation
                        if annotation is not None:
                            following.append(annotation.annotation)
        if not following:
            break
        frontier = following
    return out
