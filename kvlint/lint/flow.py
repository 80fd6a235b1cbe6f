"""Control-flow facts for the throttling rules (KV3xx), computed once per module.

Every KV3xx rule asks the same questions about a Key Vault call or constructor: which loops run
it and what kind of loop each is (polling, retry, data-driven), whether it runs on every web
request, whether its result is cached, and whether a raw HTTP call is protected by a retry
mechanism. This module answers them from the shared :class:`~kvlint.lint.analysis.Analysis`
(one traversal, receiver tracing through :meth:`Analysis.types_of`), memoising every answer in
``analysis.memo`` so that eight rules cost one analysis.

Nothing here matches a bare method name: a call is a Key Vault call only when its receiver is
traced to a Key Vault client, or its URL folds to a Key Vault host.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from kvlint.lint import types as kvtypes
from kvlint.lint.analysis import Analysis, arg, keywords
from kvlint.lint.facts import HttpCall, derives_from, http_calls, is_keyvault_url

SLEEP_FUNCTIONS = frozenset(
    {"time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep", "eventlet.sleep"}
)
# Decorators that cache a function's result (by import-resolved name, else by last name).
CACHE_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.ttl_cache",
        "cachetools.func.lru_cache",
        "cachetools.func.lfu_cache",
        "cachetools.func.fifo_cache",
        "cachetools.func.rr_cache",
        "cachetools.func.mru_cache",
        "aiocache.cached",
        "aiocache.multi_cached",
        "async_lru.alru_cache",
        "asyncache.cached",
        "cached_property.cached_property",
        "django.utils.functional.cached_property",
        "streamlit.cache_resource",
        "streamlit.cache_data",
        "streamlit.cache",
    }
)
CACHE_DECORATOR_NAMES = frozenset(
    {"lru_cache", "cache", "cached", "cached_property", "ttl_cache", "alru_cache"}
)
# Retry decorators for raw HTTP: tenacity, backoff, retrying, retry, stamina.
RETRY_DECORATOR_MODULES = ("tenacity", "backoff", "retrying", "retry", "retry2", "stamina")
RETRY_DECORATOR_NAMES = frozenset({"retry", "on_exception", "on_predicate", "retry_async"})
RETRYING_ITERATORS = ("tenacity.Retrying", "tenacity.AsyncRetrying", "stamina.retry_context")

WEB_FRAMEWORKS = (
    "flask",
    "quart",
    "fastapi",
    "starlette",
    "sanic",
    "aiohttp",
    "django",
    "rest_framework",
    "falcon",
    "bottle",
    "litestar",
    "tornado",
    "connexion",
    "azure.functions",
)
ROUTE_DECORATORS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "websocket", "api_route"}
)
# Usual names of the object route decorators hang off (used when the framework import is elsewhere).
APP_NAMES = frozenset({"app", "application", "api", "bp", "blueprint", "router", "routes"})
REQUEST_TYPES = frozenset(
    {
        "azure.functions.HttpRequest",
        "aiohttp.web.Request",
        "aiohttp.web.BaseRequest",
        "aiohttp.web_request.Request",
        "starlette.requests.Request",
        "fastapi.Request",
        "fastapi.requests.Request",
        "django.http.HttpRequest",
        "django.http.request.HttpRequest",
        "rest_framework.request.Request",
        "quart.Request",
        "sanic.Request",
        "sanic.request.Request",
        "litestar.Request",
    }
)
VIEW_BASE_MODULES = (
    "django.views",
    "rest_framework.views",
    "rest_framework.viewsets",
    "rest_framework.generics",
    "flask.views",
    "quart.views",
    "starlette.endpoints",
    "tornado.web",
)
VIEW_BASE_SUFFIXES = ("View", "ViewSet", "Endpoint", "RequestHandler")
VIEW_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "dispatch",
        "list",
        "retrieve",
        "create",
        "update",
        "partial_update",
        "destroy",
        "get_queryset",
        "get_object",
        "get_context_data",
    }
)


# -- Key Vault calls -----------------------------------------------------------------------


@dataclass(frozen=True)
class KvCall:
    """A call that reaches Key Vault: an SDK client method or a raw HTTP request."""

    call: cst.Call
    method: str  # SDK method name, or the HTTP verb
    read: bool  # get_* / list_* on a client, or a raw GET
    http: HttpCall | None = None  # set for raw HTTP calls

    @property
    def name_args(self) -> list[cst.BaseExpression]:
        """The expressions that pick what is read (SDK call arguments, or the URL)."""
        if self.http is not None:
            return [self.http.url] if self.http.url is not None else []
        return [a.value for a in self.call.args]


def kv_calls(analysis: Analysis) -> list[KvCall]:
    """Every Key Vault call in the module (memoised)."""
    cached = analysis.memo.get("flow.kv_calls")
    if cached is None:
        cached = list(_kv_calls(analysis))
        analysis.memo["flow.kv_calls"] = cached
    return cached  # type: ignore[return-value]


def _kv_calls(analysis: Analysis) -> Iterator[KvCall]:
    http_by_call = {}
    for http in http_calls(analysis):
        text = http.url_text(analysis)
        if text and is_keyvault_url(analysis, text):
            http_by_call[http.call] = http
    for call in analysis.index.calls:
        http = http_by_call.get(call)
        if http is not None:
            verb = _http_verb(analysis, http)
            yield KvCall(call, verb, verb == "get", http)
            continue
        func = call.func
        if isinstance(func, cst.Attribute) and analysis.is_a(func.value, "kv-client"):
            method = func.attr.value
            yield KvCall(call, method, method.startswith(kvtypes.KV_READ_PREFIXES))


def _http_verb(analysis: Analysis, http: HttpCall) -> str:
    if http.method == "request":
        verb = arg(http.call, "method", 0)
        text = analysis.fold_str(verb.value) if verb is not None else None
        return text.lower() if text else "request"
    if http.method == "urlopen":
        return "post" if http.body is not None else "get"
    return http.method


def kv_constructors(analysis: Analysis) -> list[tuple[cst.Call, str]]:
    """Calls constructing a Key Vault client or a credential, with their type tag."""
    cached = analysis.memo.get("flow.kv_constructors")
    if cached is None:
        cached = []
        for call in analysis.index.calls:
            qual = analysis.callee(call)
            tag = kvtypes.constructed(qual) if qual else None
            if tag and kvtypes.category(tag) in ("kv-client", "credential"):
                cached.append((call, tag))
        analysis.memo["flow.kv_constructors"] = cached
    return cached  # type: ignore[return-value]


# -- small expression helpers --------------------------------------------------------------


def int_value(analysis: Analysis, expr: cst.BaseExpression | None) -> int | None:
    """The integer an expression holds when the source says so (literals, constant names)."""
    if expr is None:
        return None
    if isinstance(expr, cst.Integer):
        return int(expr.evaluated_value)
    if isinstance(expr, cst.Name):
        if expr.value in ("False", "True"):
            return int(expr.value == "True")
        values = {int_value(analysis, v) for v in analysis.assigned_values(expr)}
        return values.pop() if len(values) == 1 else None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = int_value(analysis, expr.expression)
        return -inner if inner is not None else None
    return None


def is_constant(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    """A literal number / string, or a name bound only to such literals."""
    if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(expr, cst.UnaryOperation):
        return is_constant(analysis, expr.expression)
    if isinstance(expr, cst.BinaryOperation):
        return is_constant(analysis, expr.left) and is_constant(analysis, expr.right)
    if isinstance(expr, cst.Name):
        bindings = analysis.bindings(expr.value, expr)
        return bool(bindings) and all(
            b.kind == "assign" and b.value is not None and is_constant(analysis, b.value)
            for b in bindings
        )
    return False


def _text(expr: cst.BaseExpression) -> str | None:
    """``x`` for a name, ``self.x`` for an attribute chain; used to match memo targets."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = _text(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    if isinstance(expr, cst.Subscript):
        return _text(expr.value)
    return None


def _mentions(analysis: Analysis, node: cst.CSTNode, texts: set[str]) -> bool:
    for sub in subtree(analysis, node):
        if isinstance(sub, (cst.Name, cst.Attribute)) and _text(sub) in texts:
            return True
    return False


def subtree(analysis: Analysis, node: cst.CSTNode) -> list[cst.CSTNode]:
    """``node`` and the nodes below it, without the bodies of nested defs, lambdas and classes.

    The index visits nodes in pre-order, so a subtree is a contiguous run of ``analysis.order``;
    its end is found by bisection on "is an ancestor", far cheaper than libcst's ``children``.
    """
    key = ("flow.subtree", node)
    cached = analysis.memo.get(key)
    if cached is None:
        nodes = _preorder(analysis)
        start = analysis.order[node] - 1
        end = _subtree_end(analysis, nodes, node, start)
        cached = []
        index = start
        while index < end:
            current = nodes[index]
            cached.append(current)
            if current is not node and type(current) in NESTED_SCOPES:
                index = _subtree_end(analysis, nodes, current, index)
            else:
                index += 1
        analysis.memo[key] = cached
    return cached  # type: ignore[return-value]


NESTED_SCOPES = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})


def _preorder(analysis: Analysis) -> list[cst.CSTNode]:
    nodes = analysis.memo.get("flow.preorder")
    if nodes is None:
        nodes = list(analysis.order)
        analysis.memo["flow.preorder"] = nodes
    return nodes  # type: ignore[return-value]


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


# -- caching -------------------------------------------------------------------------------


def is_cache_decorated(analysis: Analysis, function: cst.FunctionDef) -> bool:
    key = ("flow.cache_decorated", function)
    cached = analysis.memo.get(key)
    if cached is None:
        cached = any(
            name in CACHE_DECORATORS or name.rsplit(".", 1)[-1] in CACHE_DECORATOR_NAMES
            for name in analysis.decorator_names(function)
        )
        analysis.memo[key] = cached
    return cached  # type: ignore[return-value]


def functions_around(analysis: Analysis, node: cst.CSTNode) -> Iterator[cst.FunctionDef]:
    for ancestor in analysis.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            yield ancestor


def is_cached(analysis: Analysis, node: cst.CSTNode) -> bool:
    """``node`` runs inside a caching decorator or behind a memoisation check."""
    if any(is_cache_decorated(analysis, f) for f in functions_around(analysis, node)):
        return True
    return _memo_guarded(analysis, node)


def _memo_targets(analysis: Analysis, node: cst.CSTNode, function) -> set[str]:
    """Targets assigned in ``node`` that outlive a call: globals, attributes, subscripts of
    non-local containers."""
    scope = analysis.index.scopes.get(function) if function is not None else None
    out: set[str] = set()
    for sub in subtree(analysis, node):
        targets: list[cst.BaseExpression] = []
        if isinstance(sub, cst.Assign):
            targets = [t.target for t in sub.targets]
        elif isinstance(sub, (cst.AnnAssign, cst.AugAssign)):
            targets = [sub.target]
        for target in targets:
            text = _text(target)
            if text is None:
                continue
            if isinstance(target, cst.Name):
                if function is None or (scope is not None and target.value in scope.globals):
                    out.add(text)
            elif isinstance(target, cst.Attribute):
                out.add(text)
            elif isinstance(target, cst.Subscript):
                root = text.split(".", 1)[0]
                if function is None or "." in text or (scope and root not in scope.bindings):
                    out.add(text)
    return out


def _memo_guarded(analysis: Analysis, node: cst.CSTNode) -> bool:
    """``if _client is None: _client = ...`` / ``if name not in CACHE: CACHE[name] = ...`` /
    ``if self._secret is not None: return self._secret`` followed by ``self._secret = ...``."""
    function = analysis.enclosing_function(node)
    child = node
    for ancestor in analysis.ancestors(node):
        if ancestor is function:
            break
        if isinstance(ancestor, cst.If) and child is not ancestor.test:
            targets = _memo_targets(analysis, ancestor.body, function)
            if targets and _mentions(analysis, ancestor.test, targets):
                return True
        if isinstance(ancestor, (cst.Assign, cst.AnnAssign)) and function is not None:
            targets = _memo_targets(analysis, ancestor, function)
            if targets and _early_return_guard(analysis, function, targets):
                return True
        child = ancestor
    return False


def _early_return_guard(analysis: Analysis, function: cst.FunctionDef, targets: set[str]) -> bool:
    for sub in subtree(analysis, function.body):
        if (
            isinstance(sub, cst.If)
            and _mentions(analysis, sub.test, targets)
            and any(isinstance(n, cst.Return) for n in subtree(analysis, sub.body))
        ):
            return True
    return False


# -- loops ---------------------------------------------------------------------------------


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


def loop_info(analysis: Analysis, node: cst.CSTNode) -> Loop:
    key = ("flow.loop", node)
    cached = analysis.memo.get(key)
    if cached is None:
        cached = _loop_info(analysis, node)
        analysis.memo[key] = cached
    return cached  # type: ignore[return-value]


def _comp_fors(node: cst.CSTNode) -> list[cst.CompFor]:
    fors = []
    comp = getattr(node, "for_in", None)
    while comp is not None:
        fors.append(comp)
        comp = comp.inner_for_in
    return fors


def names_in(analysis: Analysis, node: cst.CSTNode) -> set[str]:
    return {n.value for n in subtree(analysis, node) if type(n) is cst.Name}


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


def loops_of(analysis: Analysis, node: cst.CSTNode) -> list[Loop]:
    """The loops running ``node`` within its function, innermost first."""
    key = ("flow.loops_of", node)
    cached = analysis.memo.get(key)
    if cached is None:
        cached = [loop_info(analysis, loop) for loop in analysis.loops_around(node)]
        analysis.memo[key] = cached
    return cached  # type: ignore[return-value]


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


def backs_off(analysis: Analysis, loop: Loop) -> bool:
    return loop.library_retry or loop.retry_after or (loop.sleeps and delay_grows(analysis, loop))


def is_retry_loop(analysis: Analysis, loop: Loop, kv: KvCall) -> bool:
    """The loop repeats the same Key Vault call until it succeeds: the call sits in a ``try``
    (or its result is checked) and the loop is left by ``return`` / ``break`` on success."""
    if loop.library_retry:
        return True
    if uses_loop_item(analysis, loop, kv):
        return False  # a loop over data: each iteration reads something else
    in_try = returned = False
    child: cst.CSTNode = kv.call
    for ancestor in analysis.ancestors(kv.call):
        if ancestor is loop.node:
            break
        if isinstance(ancestor, cst.Try) and child is ancestor.body:
            in_try = True
        returned = returned or isinstance(ancestor, cst.Return)
        child = ancestor
    if returned:  # ``return client.get_secret(name)`` leaves the loop once it works
        return in_try or _checks_result(analysis, loop, kv)
    exits = [
        n
        for n in subtree(analysis, loop.node)
        if isinstance(n, cst.Return)
        or (isinstance(n, cst.Break) and _broken(analysis, n) is loop.node)
    ]
    if in_try and (exits or _flag_loop(analysis, loop, kv)):
        return True
    return bool(exits) and _checks_result(analysis, loop, kv)


def _broken(analysis: Analysis, node: cst.Break) -> cst.CSTNode | None:
    """The loop a ``break`` leaves."""
    for ancestor in analysis.ancestors(node):
        if isinstance(ancestor, (cst.For, cst.While)):
            return ancestor
    return None


def _assigned_name(analysis: Analysis, call: cst.Call) -> str | None:
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


def _checks_result(analysis: Analysis, loop: Loop, kv: KvCall) -> bool:
    """An ``if`` in the loop tests the call's result (``if r.status_code == 200: break``)."""
    name = _assigned_name(analysis, kv.call)
    if name is None:
        return False
    for sub in subtree(analysis, loop.node):
        if isinstance(sub, (cst.If, cst.While)) and name in names_in(analysis, sub.test):
            return True
    return False


def _flag_loop(analysis: Analysis, loop: Loop, kv: KvCall) -> bool:
    """``while not done: try: ...; done = True``."""
    if not isinstance(loop.node, cst.While):
        return False
    flags = names_in(analysis, loop.node.test)
    for ancestor in analysis.ancestors(kv.call):
        if isinstance(ancestor, cst.Try):
            for sub in subtree(analysis, ancestor.body):
                if isinstance(sub, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value in flags for t in sub.targets
                ):
                    return True
        if ancestor is loop.node:
            break
    return False


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
        values = analysis.assigned_values(expr)
        return bool(values) and all(_literal_collection(analysis, v, depth + 1) for v in values)
    if isinstance(expr, cst.Call):
        func = expr.func
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


def _literal_item(analysis: Analysis, expr: cst.BaseExpression, depth: int) -> bool:
    if isinstance(expr, (cst.List, cst.Tuple)):
        return _literal_collection(analysis, expr, depth + 1)
    return analysis.fold_str(expr) is not None or isinstance(expr, (cst.Integer, cst.Float))


def iterates_kv_list(analysis: Analysis, loop: Loop) -> str | None:
    """The ``list_properties_of_*`` method whose items the loop iterates, if any."""
    for it in loop.iters:
        found: list[str] = []

        def listed(node: cst.CSTNode, found=found) -> bool:
            if not isinstance(node, cst.BaseExpression):
                return False
            for tag in analysis.types_of(node):
                if kvtypes.category(tag) == "kv-list" and "list_properties_of_" in tag:
                    found.append(tag.split(":", 1)[1])
                    return True
            return False

        if derives_from(analysis, it, listed, depth=2):
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


def in_retry_only(analysis: Analysis, kv: KvCall) -> bool:
    """Every loop around the call is a retry loop for it (or there is no loop)."""
    return all(is_retry_loop(analysis, loop, kv) for loop in loops_of(analysis, kv.call))


# -- request handlers ----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestContext:
    handler: cst.FunctionDef
    kind: str  # e.g. "Flask/FastAPI route", "Azure Functions HTTP trigger"
    helper: cst.FunctionDef | None = None  # the same-module helper the handler calls

    def describe(self) -> str:
        name = self.handler.name.value
        via = f" through {self.helper.name.value}()" if self.helper is not None else ""
        return f"{self.kind} {name}(){via}"


def request_contexts(analysis: Analysis) -> dict[cst.FunctionDef, RequestContext]:
    """Request handlers, and the uncached same-module functions they call (one level)."""
    cached = analysis.memo.get("flow.request_contexts")
    if cached is None:
        cached = _request_contexts(analysis)
        analysis.memo["flow.request_contexts"] = cached
    return cached  # type: ignore[return-value]


def request_context(analysis: Analysis, node: cst.CSTNode) -> RequestContext | None:
    function = analysis.enclosing_function(node)
    if function is None:
        return None
    return request_contexts(analysis).get(function)


def calls_by_function(analysis: Analysis) -> dict[cst.FunctionDef | None, list[cst.Call]]:
    cached = analysis.memo.get("flow.calls_by_function")
    if cached is None:
        cached = {}
        for call in analysis.index.calls:
            cached.setdefault(analysis.enclosing_function(call), []).append(call)
        analysis.memo["flow.calls_by_function"] = cached
    return cached  # type: ignore[return-value]


def _imported_modules(analysis: Analysis) -> set[str]:
    cached = analysis.memo.get("flow.imported_modules")
    if cached is None:
        cached = set()
        for scope in analysis.index.scopes.values():
            for bindings in scope.bindings.values():
                cached |= {b.qualname for b in bindings if b.kind == "import" and b.qualname}
        analysis.memo["flow.imported_modules"] = cached
    return cached  # type: ignore[return-value]


def imports_web_framework(analysis: Analysis) -> bool:
    """The module imports a web framework or Azure Functions: it serves requests."""
    return _imports_any(analysis, WEB_FRAMEWORKS)


def _imports_any(analysis: Analysis, prefixes: tuple[str, ...]) -> bool:
    return any(
        q == p or q.startswith(p + ".") for q in _imported_modules(analysis) for p in prefixes
    )


def _request_contexts(analysis: Analysis) -> dict[cst.FunctionDef, RequestContext]:
    web = imports_web_framework(analysis)
    django = _imports_any(analysis, ("django", "rest_framework"))
    path = getattr(analysis, "path", "").replace("\\", "/")
    views_module = path.rsplit("/", 1)[-1] in ("views.py", "views.pyi") or "/views/" in path
    handlers: dict[cst.FunctionDef, RequestContext] = {}
    for function in analysis.index.functions:
        kind = _handler_kind(analysis, function, web, django or views_module)
        if kind is not None and not is_cache_decorated(analysis, function):
            handlers[function] = RequestContext(function, kind)
    for function in analysis.index.calls:
        if analysis.callee(function) in ("fastapi.Depends", "fastapi.Security") and function.args:
            dependency = analysis.local_function(function.args[0].value)
            if dependency is not None and not is_cache_decorated(analysis, dependency):
                handlers.setdefault(dependency, RequestContext(dependency, "FastAPI dependency"))
    contexts = dict(handlers)
    by_function = calls_by_function(analysis)
    for handler, context in handlers.items():
        for call in by_function.get(handler, ()):
            helper = analysis.local_function(call.func)
            if (
                helper is not None
                and helper not in contexts
                and not is_cache_decorated(analysis, helper)
            ):
                contexts[helper] = RequestContext(handler, context.kind, helper)
    return contexts


def _handler_kind(
    analysis: Analysis, function: cst.FunctionDef, web: bool, django: bool
) -> str | None:
    for decorator in function.decorators:
        expr = decorator.decorator
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
            continue
        method = expr.func.attr.value
        owner = _text(expr.func.value) or ""
        if method == "route" or (
            method in ROUTE_DECORATORS and (web or owner.rsplit(".", 1)[-1] in APP_NAMES)
        ):
            return "request handler"
    params = function.params
    all_params = (*params.posonly_params, *params.params, *params.kwonly_params)
    for param in all_params:
        if param.annotation is not None:
            qual = analysis.qualname(param.annotation.annotation)
            if qual in REQUEST_TYPES:
                if qual == "azure.functions.HttpRequest":
                    return "Azure Functions HTTP trigger"
                return "request handler"
    cls = analysis.enclosing_class(function)
    if cls is not None and analysis.enclosing_function(function) is None:
        if function.name.value in VIEW_METHODS and _is_view_class(analysis, cls, web):
            return "view method"
        return None
    positional = (*params.posonly_params, *params.params)
    first = positional[0].name.value if positional else None
    if (
        function.name.value == "main"
        and first == "req"
        and _imports_any(analysis, ("azure.functions",))
    ):
        return "Azure Functions HTTP trigger"  # v1 programming model, unannotated
    if django and first == "request":
        return "Django view"
    return None


def _is_view_class(analysis: Analysis, cls: cst.ClassDef, web: bool) -> bool:
    for base in cls.bases:
        qual = analysis.qualname(base.value) or _text(base.value) or ""
        if any(qual == m or qual.startswith(m + ".") for m in VIEW_BASE_MODULES):
            return True
        if web and qual.rsplit(".", 1)[-1].endswith(VIEW_BASE_SUFFIXES):
            return True
    return False


# -- callbacks and accessors ---------------------------------------------------------------


def auth_callbacks(analysis: Analysis) -> set[cst.FunctionDef]:
    """Functions handed to track-1 ``KeyVaultAuthentication``: called for every request."""
    cached = analysis.memo.get("flow.auth_callbacks")
    if cached is None:
        cached = set()
        for call in analysis.index.calls:
            if (analysis.callee(call) or "").endswith("KeyVaultAuthentication"):
                for argument in call.args:
                    target = analysis.local_function(argument.value)
                    if target is not None:
                        cached.add(target)
        analysis.memo["flow.auth_callbacks"] = cached
    return cached  # type: ignore[return-value]


def accessor_reads(analysis: Analysis, function: cst.FunctionDef) -> list[KvCall]:
    """Reads in ``function`` whose name/URL comes from one of its parameters: the function is
    a reusable accessor (``get_secret(name)``)."""
    params = function.params
    names = {
        p.name.value
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        if p.name.value not in ("self", "cls")
    }
    if not names:
        return []
    scope = analysis.index.scopes.get(function)
    out = []
    for kv in kv_calls(analysis):
        if not kv.read or analysis.enclosing_function(kv.call) is not function:
            continue

        def from_param(node: cst.CSTNode) -> bool:
            return (
                isinstance(node, cst.Name)
                and node.value in names
                and scope is not None
                and any(b.kind == "param" for b in scope.bindings.get(node.value, ()))
            )

        if any(derives_from(analysis, a, from_param) for a in kv.name_args):
            out.append(kv)
    return out


# -- retry protection for raw HTTP ---------------------------------------------------------


def is_retry_decorated(analysis: Analysis, function: cst.FunctionDef) -> bool:
    for name in analysis.decorator_names(function):
        root = name.split(".", 1)[0]
        if root in RETRY_DECORATOR_MODULES or name.rsplit(".", 1)[-1] in RETRY_DECORATOR_NAMES:
            return True
    return False


def callers(analysis: Analysis, function: cst.FunctionDef) -> list[cst.Call]:
    cached = analysis.memo.get("flow.callers")
    if cached is None:
        cached = {}
        for call in analysis.index.calls:
            target = analysis.local_function(call.func)
            if target is not None:
                cached.setdefault(target, []).append(call)
        analysis.memo["flow.callers"] = cached
    return cached.get(function, [])  # type: ignore[union-attr]


def retry_protection(analysis: Analysis, kv: KvCall) -> str | None:
    """What retries a raw HTTP call to Key Vault with backoff, or None."""
    assert kv.http is not None
    for function in functions_around(analysis, kv.call):
        if is_retry_decorated(analysis, function):
            return "a retry decorator"
        calling = callers(analysis, function)
        if calling and all(
            any(is_retry_decorated(analysis, f) for f in functions_around(analysis, c))
            for c in calling
        ):
            return "a retrying caller"
        break
    retries = keywords(kv.call).get("retries")
    if retries is not None and _retrying_value(analysis, retries.value):
        return "retries="
    if kv.http.session is not None and session_retries(analysis, kv.http.session):
        return "a session with retries"
    for loop in loops_of(analysis, kv.call):
        if is_retry_loop(analysis, loop, kv) and backs_off(analysis, loop):
            return "a retry loop with backoff"
    return None


def _retrying_value(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    """``Retry(...)`` (not total=0) or a positive count; through one local name."""
    if isinstance(expr, cst.Name):
        values = analysis.assigned_values(expr)
        return bool(values) and all(_retrying_value(analysis, v) for v in values)
    if isinstance(expr, cst.Call):
        name = analysis.callee(expr) or _text(expr.func) or ""
        if name.rsplit(".", 1)[-1] == "Retry":
            total = arg(expr, "total", 0)
            return total is None or int_value(analysis, total.value) != 0
        return False
    value = int_value(analysis, expr)
    return value is not None and value > 0


def session_retries(analysis: Analysis, session: cst.BaseExpression, depth: int = 0) -> bool:
    """A requests session with ``mount(prefix, HTTPAdapter(max_retries=Retry(...)))``, an httpx
    client with a ``transport`` that has ``retries=``, a urllib3 pool with ``retries=``; also
    when the session comes from a same-module factory function."""
    if depth > 3:
        return False
    if isinstance(session, cst.Name):
        values = analysis.assigned_values(session)
    elif isinstance(session, cst.Attribute):
        values = analysis.attribute_values(session)
    else:
        values = [session]
    if _mounts_retry_adapter(analysis, session, analysis.enclosing_function(session)):
        return True
    for value in values:
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            continue
        kw = keywords(value)
        if "retries" in kw and _retrying_value(analysis, kw["retries"].value):
            return True
        if "transport" in kw and _transport_retries(analysis, kw["transport"].value):
            return True
        factory = analysis.local_function(value.func)
        if factory is not None:
            for returned in analysis.returns_of(factory):
                if session_retries(analysis, returned, depth + 1):
                    return True
    return False


def _transport_retries(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        return any(_transport_retries(analysis, v) for v in analysis.assigned_values(expr))
    if isinstance(expr, cst.Call):
        retries = arg(expr, "retries")
        return retries is not None and _retrying_value(analysis, retries.value)
    return False


def _mounts_retry_adapter(analysis: Analysis, session: cst.BaseExpression, function) -> bool:
    text = _text(session)
    if text is None:
        return False
    is_attr = isinstance(session, cst.Attribute)
    cls = analysis.enclosing_class(session) if is_attr else None
    for call in analysis.index.calls:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "mount"):
            continue
        if _text(func.value) != text:
            continue
        if is_attr:
            if analysis.enclosing_class(call) is not cls:
                continue
        elif analysis.enclosing_function(call) not in (function, None):
            continue  # the session's own function, or module level for a module-level session
        adapter = arg(call, "adapter", 1)
        if adapter is not None and _retrying_adapter(analysis, adapter.value):
            return True
    return False


def _retrying_adapter(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        return any(_retrying_adapter(analysis, v) for v in analysis.assigned_values(expr))
    if isinstance(expr, cst.Call):
        retries = arg(expr, "max_retries", 2)
        if retries is None:
            return False
        value = retries.value
        if isinstance(value, cst.Name):
            values = analysis.assigned_values(value)
            value = values[-1] if values else value
        return (
            isinstance(value, cst.Call)
            and (analysis.callee(value) or _text(value.func) or "").rsplit(".", 1)[-1] == "Retry"
            and _retrying_value(analysis, value)
        )
    return False
