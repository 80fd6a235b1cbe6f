"""The loop model: which loops run a node, and what kind each is (polling, bounded, over a literal
list, over a Key Vault listing). One model for every rule that asks about loops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.kv_calls import KvCall
from kvlint.lint.semantic.dataflow import calls_by_function, derives_from, names_in, subtree
from kvlint.lint.semantic.memo import node_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.values import int_value, is_constant

COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
SLEEP_FUNCTIONS = frozenset(
    {"time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep", "eventlet.sleep"}
)


RETRYING_ITERATORS = ("tenacity.Retrying", "tenacity.AsyncRetrying", "stamina.retry_context")


@dataclass(frozen=True)
class Loop:
    node: cst.CSTNode  # For / While / a comprehension
    kind: str  # "for", "async for", "while", "comprehension"
    iters: tuple[cst.BaseExpression, ...]  # what a for / comprehension iterates
    targets: frozenset[str]  # names the loop binds
    sleeps: tuple[cst.Call, ...]  # time.sleep / asyncio.sleep calls in the body
    counters: frozenset[str]  # names that change every iteration in a growing way
    bounded: bool
    retry_after: bool  # the loop reads Retry-After
    library_retry: bool  # ``for attempt in tenacity.Retrying(...)``

    @property
    def described(self) -> str:
        return self.kind if self.kind == "comprehension" else f"{self.kind} loop"


@node_fact
def loop_info(analysis: Analysis, node: cst.CSTNode) -> Loop:
    """The loop model of a ``for`` / ``while`` / comprehension node."""
    return _loop_info(analysis, node)


def _comp_fors(node: cst.CSTNode) -> list[cst.CompFor]:
    fors = []
    comp = getattr(node, "for_in", None)
    while comp is not None:
        fors.append(comp)
        comp = comp.inner_for_in
    return fors


def _loop_info(analysis: Analysis, node: cst.CSTNode) -> Loop:
    if isinstance(node, cst.For):
        kind = "async for" if node.asynchronous is not None else "for"
        iters: tuple[cst.BaseExpression, ...] = (node.iter,)
        targets = names_in(analysis, node.target)
    elif isinstance(node, cst.While):
        kind, iters, targets = "while", (), set()
    else:
        fors = _comp_fors(node)
        kind = "comprehension"
        iters = tuple(f.iter for f in fors)
        targets = set().union(*(names_in(analysis, f.target) for f in fors)) if fors else set()
    sleeps = []
    counters = set(targets)
    compare_names: set[str] = set()
    time_compare = False
    retry_after = False
    sub: Any  # narrowed by the exact-type tests below, which mypy cannot follow through kind_of
    for sub in subtree(analysis, node):
        kind_of = type(sub)  # exact types: isinstance on libcst's ABCs is slow in this hot loop
        if kind_of is cst.Call:
            if analysis.callee(sub) in SLEEP_FUNCTIONS:
                sleeps.append(sub)
        elif kind_of is cst.AugAssign:
            if type(sub.target) is cst.Name:
                counters.add(sub.target.value)
        elif kind_of is cst.Assign:
            for target in sub.targets:
                name = target.target
                if type(name) is cst.Name and name.value in names_in(analysis, sub.value):
                    counters.add(name.value)  # delay = delay * 2, attempt = attempt + 1
        elif kind_of is cst.Comparison:
            for part in subtree(analysis, sub):
                if type(part) is cst.Name:
                    compare_names.add(part.value)
                elif type(part) is cst.Call and (analysis.callee(part) or "").startswith(
                    ("time.", "datetime.")
                ):
                    time_compare = True
        elif kind_of is cst.SimpleString:
            retry_after = retry_after or "retry-after" in sub.value.lower()
        elif kind_of is cst.Attribute:
            retry_after = retry_after or sub.attr.value.lower().startswith("retry_after")
    library_retry = any(_is_retrying_iterator(analysis, it) for it in iters)
    if isinstance(node, cst.While):
        limited = time_compare or bool(counters & compare_names)
        # ``while True:`` and ``while not done:`` (a flag set on success) need a limit inside
        flag = isinstance(node.test, cst.UnaryOperation) and isinstance(node.test.operator, cst.Not)
        bounded = limited or not (_truthy_constant(node.test) or flag)
    else:
        bounded = not any(
            isinstance(it, cst.Call)
            and analysis.callee(it) in ("itertools.count", "itertools.cycle")
            for it in iters
        )
    return Loop(
        node,
        kind,
        iters,
        frozenset(targets),
        tuple(sleeps),
        frozenset(counters),
        bounded,
        retry_after,
        library_retry,
    )


def _truthy_constant(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.evaluated_value != 0
    return False


def _is_retrying_iterator(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Call):
        return (analysis.callee(expr) or "") in RETRYING_ITERATORS
    if isinstance(expr, cst.Name):
        return any(_is_retrying_iterator(analysis, v) for v in analysis.assigned_values(expr))
    return False


@node_fact
def loops_of(analysis: Analysis, node: cst.CSTNode) -> list[Loop]:
    """The loops running ``node`` within its function, innermost first."""
    return [loop_info(analysis, loop) for loop in _loops_around(analysis, node)]


def in_loop(analysis: Analysis, node: cst.CSTNode) -> bool:
    """Whether a loop runs ``node`` within its function (what :func:`loops_of` finds, without
    modelling the loops)."""
    return bool(_loops_around(analysis, node))


def _loops_around(analysis: Analysis, node: cst.CSTNode) -> list[cst.CSTNode]:
    """Loops (and comprehensions) enclosing ``node`` within its function, innermost first.

    A node in a ``for`` loop's ``iter`` or a comprehension's first ``iter`` runs once, so
    it is not counted as inside that loop.
    """
    loops: list[cst.CSTNode] = []
    child = node
    in_first_iter = False  # the path came up through a comprehension's ``for ... in X``
    for ancestor in analysis.ancestors(node):
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


def delay_grows(analysis: Analysis, loop: Loop) -> bool:
    """Whether some sleep of ``loop`` waits longer each time (or as long as Retry-After says)."""

    def growing(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name) and node.value in loop.counters:
            return True
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power):
            return not is_constant(analysis, node)
        if isinstance(node, cst.SimpleString) and "retry-after" in node.value.lower():
            return True
        return isinstance(node, cst.Attribute) and node.attr.value.lower().startswith("retry_after")

    return any(
        derives_from(analysis, sleep.args[0].value, growing) for sleep in loop.sleeps if sleep.args
    )


def iterates_literal(analysis: Analysis, loop: Loop) -> bool:
    """A ``for`` / comprehension over a literal collection (a fixed list of names)."""
    return bool(loop.iters) and all(_literal_collection(analysis, it, 0) for it in loop.iters)


def _literal_collection(analysis: Analysis, expr: cst.BaseExpression, depth: int) -> bool:
    if depth > 4:
        return False
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return all(
            not isinstance(e, cst.StarredElement) and _literal_item(analysis, e.value, depth)
            for e in expr.elements
        )
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _literal_item(analysis, e.key, depth)
            for e in expr.elements
        )
    if isinstance(expr, cst.Name):
        if grown_by(analysis, expr):
            return False  # ``names = []`` then ``names.append(...)``: data, not a literal
        values = analysis.assigned_values(expr)
        return bool(values) and all(_literal_collection(analysis, v, depth + 1) for v in values)
    if isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Name) and func.value == "range":
            return _literal_range(analysis, expr)
        if isinstance(func, cst.Attribute) and func.attr.value in ("items", "keys", "values"):
            return _literal_collection(analysis, func.value, depth + 1)
        if analysis.callee(expr) in (None, "enumerate", "sorted", "reversed", "zip") and (
            isinstance(func, cst.Name) and func.value in ("enumerate", "sorted", "reversed", "zip")
        ):
            return bool(expr.args) and all(
                _literal_collection(analysis, a.value, depth + 1)
                for a in expr.args
                if a.keyword is None
            )
    return False


MAX_LITERAL_RANGE = 25  # ``for _ in range(3)``: a fixed handful, like a literal list


def _literal_range(analysis: Analysis, call: cst.Call) -> bool:
    """``range(...)`` of the builtin, with literal bounds and at most MAX_LITERAL_RANGE steps."""
    if analysis.bindings("range", call.func) or not 1 <= len(call.args) <= 3:
        return False
    bounds = [int_value(analysis, a.value) for a in call.args if a.keyword is None and not a.star]
    known = [b for b in bounds if b is not None]
    if len(known) != len(call.args):
        return False
    try:
        return len(range(*known)) <= MAX_LITERAL_RANGE
    except ValueError:  # a zero step
        return False


def _literal_item(analysis: Analysis, expr: cst.BaseExpression, depth: int) -> bool:
    if isinstance(expr, (cst.List, cst.Tuple)):
        return _literal_collection(analysis, expr, depth + 1)
    return analysis.fold_str(expr) is not None or isinstance(expr, (cst.Integer, cst.Float))


GROW_METHODS = frozenset({"append", "extend", "add", "insert", "appendleft", "extendleft"})


def grown_by(analysis: Analysis, name: cst.Name) -> list[cst.Call]:
    """Calls that add to the collection ``name`` holds, in its function: ``names.append(x)``."""
    function = analysis.enclosing_function(name)
    out = []
    for call in calls_by_function(analysis).get(function, ()):
        func = call.func
        if (
            type(func) is cst.Attribute
            and type(func.value) is cst.Name
            and func.value.value == name.value
            and func.attr.value in GROW_METHODS
            and call.args
        ):
            out.append(call)
    return out


def iterates_kv_list(analysis: Analysis, loop: Loop, depth: int = 0) -> str | None:
    """The ``list_properties_of_*`` method whose items the loop iterates, if any (also
    through a same-module helper that returns them, or their names: ``self.list_names()``;
    or a list built from them: ``names.append(prop.name)`` in a loop over the listing; or a
    function of another module whose summary says it returns them: ``kv-listed``)."""
    for it in loop.iters:
        found = listing_of(analysis, it, depth)
        if found is not None:
            return found
    return None


LISTED = "kv-listed"  # the tag of what holds a listing's items or their names (summaries)


def listing_of(analysis: Analysis, expr: cst.BaseExpression, depth: int = 0) -> str | None:
    """The ``list_properties_of_*`` method whose items (or their names) ``expr`` holds."""
    found: list[str] = []

    def listed(node: cst.CSTNode, found=found) -> bool:
        if not isinstance(node, cst.BaseExpression):
            return False
        for tag in analysis.types_of(node):
            category = kvtypes.category(tag)
            if category in ("kv-list", LISTED) and "list_properties_of_" in tag:
                found.append(tag.split(":", 1)[1])
                return True
        if type(node) is cst.Name and depth < 2:
            for call in grown_by(analysis, node):
                added = call.args[-1].value
                for outer in loops_of(analysis, call):
                    listing = iterates_kv_list(analysis, outer, depth + 1)
                    if listing and from_loop_item(analysis, outer, [added]):
                        found.append(listing)
                        return True
        return False

    def helper_lists(node: cst.CSTNode) -> bool:
        if listed(node):
            return True
        helper = analysis.local_function(node.func) if isinstance(node, cst.Call) else None
        return helper is not None and any(
            derives_from(analysis, value, listed, depth=1) for value in analysis.returns_of(helper)
        )

    if derives_from(analysis, expr, helper_lists, depth=2):
        return found[0]
    return None


def uses_loop_item(analysis: Analysis, loop: Loop, kv: KvCall) -> bool:
    """The call's name / URL changes with the loop's item (a loop over data, not a retry)."""
    return from_loop_item(analysis, loop, kv.name_args)


def from_loop_item(analysis: Analysis, loop: Loop, exprs: list[cst.BaseExpression]) -> bool:
    """Some of ``exprs`` is computed from the names the loop binds."""
    targets = loop.targets
    return bool(targets) and any(
        derives_from(analysis, e, lambda n: type(n) is cst.Name and n.value in targets)
        for e in exprs
    )


def paginates(analysis: Analysis, loop: Loop, kv: KvCall) -> bool:
    """``while url: r = requests.get(url); url = r.json().get("nextLink")``."""
    if not isinstance(loop.node, cst.While):
        return False
    tested = names_in(analysis, loop.node.test)
    return any(
        derives_from(analysis, a, lambda n: isinstance(n, cst.Name) and n.value in tested)
        for a in kv.name_args
    ) and bool(tested & loop.counters - loop.targets or _reassigned_in(analysis, loop.node, tested))


def _reassigned_in(analysis: Analysis, loop: cst.While, names: set[str]) -> bool:
    for node in subtree(analysis, loop.body):
        if isinstance(node, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value in names for t in node.targets
        ):
            return True
    return False
