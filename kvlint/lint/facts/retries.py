"""The retry model: what retries a Key Vault call (retry decorators, retrying callers, retry
loops, ``retries=`` and sessions with retry adapters), and whether it backs off. One model
shared by KV204 (403 after a grant), KV302 (raw request without retry), KV303 (retry without
backoff) and KV307."""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts.kv_calls import KvCall, kv_calls
from kvlint.lint.facts.loops import SLEEP_FUNCTIONS, Loop, delay_grows, loops_of, uses_loop_item
from kvlint.lint.semantic.dataflow import (
    assigned_name,
    callers,
    calls_by_function,
    dotted_text,
    functions_around,
    names_in,
    subtree,
)
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg, keywords
from kvlint.lint.semantic.values import int_value, keyword_values

SDK_RETRY = (
    "azure-core's retry policy (on by default: exponential backoff, honours Retry-After, "
    "retry_total=10)"
)
RETRY_KEYWORDS = ("retry_total", "retry_status")  # azure-core: 0 switches retries off
NO_RETRY_POLICIES = ("RetryPolicy", "AsyncRetryPolicy")
RETRY_DECORATOR_MODULES = ("tenacity", "backoff", "retrying", "retry", "retry2", "stamina")


RETRY_DECORATOR_NAMES = frozenset(
    {"retry", "on_exception", "on_predicate", "retry_async", "retry_call"}
)


def is_retry_decorated(analysis: Analysis, function: cst.FunctionDef) -> bool:
    for name in analysis.decorator_names(function):
        root = name.split(".", 1)[0]
        if root in RETRY_DECORATOR_MODULES or name.rsplit(".", 1)[-1] in RETRY_DECORATOR_NAMES:
            return True
    return False


def backs_off(analysis: Analysis, loop: Loop) -> bool:
    return (
        loop.library_retry
        or loop.retry_after
        or (bool(loop.sleeps) and delay_grows(analysis, loop))
    )


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


def _checks_result(analysis: Analysis, loop: Loop, kv: KvCall) -> bool:
    """An ``if`` in the loop tests the call's result (``if r.status_code == 200: break``)."""
    name = assigned_name(analysis, kv.call)
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


LRO_STATUS_READS = ("get_certificate_operation",)


def awaits_operation(analysis: Analysis, loop: Loop, kv: KvCall) -> bool:
    """The loop waits for a long-running operation, not for throttling to pass: it reads the
    operation's status (``get_certificate_operation``, REST ``.../certificates/{name}/pending``),
    or the item that an earlier ``begin_*`` call of the same function (its poller waited on or
    not) deletes, recovers or creates, until the change shows (``begin_delete_secret(name)
    .wait()``, then polling ``get_deleted_secret(name)``)."""
    if kv.http is not None:  # REST: GET .../certificates/{name}/pending is the operation
        text = (kv.http.url_text(analysis) or "").lower()
        return kv.read and "/certificates/" in text and "/pending" in text
    if kv.method in LRO_STATUS_READS:
        return True
    function = analysis.enclosing_function(loop.node)
    if function is None:
        return False
    wanted = {_arg_text(analysis, a) for a in kv.name_args}
    start = analysis.order[loop.node]
    for other in kv_calls(analysis):
        if (
            other.http is None
            and other.method.startswith("begin_")
            and analysis.order[other.call] < start
            and analysis.enclosing_function(other.call) is function
            and wanted & {_arg_text(analysis, a) for a in other.name_args}
        ):
            return True
    return False


def _arg_text(analysis: Analysis, expr: cst.BaseExpression) -> str:
    folded = analysis.fold_str(expr)
    return folded if folded is not None else analysis.module.code_for_node(expr)


def in_retry_only(analysis: Analysis, kv: KvCall) -> bool:
    """Every loop around the call is a retry loop for it (or there is no loop)."""
    return all(is_retry_loop(analysis, loop, kv) for loop in loops_of(analysis, kv.call))


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
        name = analysis.callee(expr) or dotted_text(expr.func) or ""
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
    text = dotted_text(session)
    if text is None:
        return False
    is_attr = isinstance(session, cst.Attribute)
    cls = analysis.enclosing_class(session) if is_attr else None
    for call in analysis.index.calls:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "mount"):
            continue
        if dotted_text(func.value) != text:
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
            and (analysis.callee(value) or dotted_text(value.func) or "").rsplit(".", 1)[-1]
            == "Retry"
            and _retrying_value(analysis, value)
        )
    return False


def waits_between(analysis: Analysis, start: cst.CSTNode, end: cst.CSTNode) -> bool:
    """Between ``start`` and ``end`` (same function, in source order) the code waits: it sleeps
    (``time.sleep``, ``asyncio.sleep``, ...), calls a same-module helper that sleeps or is a
    retry-decorated function, or makes a Key Vault call that is retried (a retry loop polling
    until access works)."""
    function = analysis.enclosing_function(end)
    low, high = analysis.order[start], analysis.order[end]
    retried = {kv.call for kv in kv_calls(analysis) if is_retried(analysis, kv)}
    for call in calls_by_function(analysis).get(function, ()):
        if not low < analysis.order[call] < high:
            continue
        if analysis.callee(call) in SLEEP_FUNCTIONS or call in retried:
            return True
        helper = analysis.local_function(call.func)
        if helper is not None and _helper_waits(analysis, helper, 0):
            return True
    return False


def _helper_waits(analysis: Analysis, function: cst.FunctionDef, depth: int) -> bool:
    if is_retry_decorated(analysis, function):
        return True
    for call in calls_by_function(analysis).get(function, ()):
        if analysis.callee(call) in SLEEP_FUNCTIONS:
            return True
        helper = analysis.local_function(call.func)
        if (
            helper is not None
            and helper is not function
            and depth < 2
            and _helper_waits(analysis, helper, depth + 1)
        ):
            return True
    return False


def is_retried(analysis: Analysis, kv: KvCall) -> bool:
    """A failure of the call is retried: its function has a retry decorator, or a loop around
    it catches the failure (a ``try`` with handlers inside the loop: a hand-written retry)."""
    function = analysis.enclosing_function(kv.call)
    if function is not None and is_retry_decorated(analysis, function):
        return True
    loops = loops_of(analysis, kv.call)
    if not loops:
        return False
    for ancestor in analysis.ancestors(kv.call):
        if ancestor is loops[-1].node:
            break
        if isinstance(ancestor, cst.Try) and ancestor.handlers:
            return True
    return False


def retries_disabled(analysis: Analysis, call: cst.Call) -> str | None:
    """The setting that switches an Azure SDK client's retries off: ``retry_total`` /
    ``retry_status`` given 0 (also through ``**options``), or ``retry_policy`` given a policy
    without retries (``RetryPolicy.no_retries()``, ``RetryPolicy(retry_total=0)``)."""
    options = keyword_values(analysis, call)
    for name in RETRY_KEYWORDS:
        if name in options and int_value(analysis, options[name]) == 0:
            return name
    policy = options.get("retry_policy")
    if policy is not None and _no_retry_policy(analysis, policy):
        return "retry_policy"
    return None


def _no_retry_policy(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        values = analysis.assigned_values(expr)
        return bool(values) and all(_no_retry_policy(analysis, v) for v in values)
    if not isinstance(expr, cst.Call):
        return False
    name = analysis.callee(expr) or ""
    parts = name.rsplit(".", 2)
    if parts[-1] == "no_retries" and len(parts) > 1 and parts[-2] in NO_RETRY_POLICIES:
        return True
    if parts[-1] in NO_RETRY_POLICIES:
        kw = keywords(expr)
        return any(k in kw and int_value(analysis, kw[k].value) == 0 for k in RETRY_KEYWORDS)
    return False
