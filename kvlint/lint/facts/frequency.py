"""How often code runs: one model for every rule that asks (KV304-KV308).

A function runs *per request* (a route, a view, an HTTP trigger, a FastAPI dependency), *per
task or message* (Celery / RQ / Dramatiq / Huey tasks, Airflow / Prefect / Dagster tasks, ops
and assets, Functions queue / Service Bus / Event Hubs / Event Grid / blob triggers, Durable
activities, Event Hubs ``on_event`` callbacks), *per row* (Spark UDFs, ``spark.udf.register``,
``rdd.map`` / ``foreach``, pandas ``apply`` / ``map``, Dask / Ray remote functions, ``Pool.map``
workers), *per partition* (``mapPartitions`` / ``foreachPartition`` / ``mapInPandas``: Spark
calls the function once per partition with an iterator over its rows; a loop over that iterator
is the loop model's per-row answer; no rule reports once per partition: it is how a job builds
a client on an executor),
*per scheduled callback* (Functions timer triggers, APScheduler, ``schedule``), *per
authentication callback* (track-1 ``KeyVaultAuthentication``) or *per accessor call* (a function
reading the secret its parameter names) when it is such a root, or when one calls it: the
model follows same-module calls (functions, ``self.method``, methods of instances of the
module's classes, a class's ``__init__`` when it is constructed) from each root, uncached, a
bounded number of steps, and keeps the chain that proves it. What another module's root calls
arrives in ``analysis.incoming`` (``request:name``, ``task:name``, ...: see
:mod:`kvlint.lint.facts.outgoing`), with that module's chain.

Every framework name is traced to its import (``app.task`` is a Celery task only when ``app``
was made by ``celery.Celery``; a notebook's unbound ``spark`` / ``sc`` are the runtime's, see
:func:`kvlint.lint.facts.platforms.runtime_globals`); nothing is matched by its name alone. *Per loop iteration* is
the loop model's answer (:mod:`kvlint.lint.facts.loops`). Anything else is once or unknown:
``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import libcst as cst

from kvlint.lint.facts.caching import is_cache_decorated, is_cached
from kvlint.lint.facts.kv_calls import accessor_reads, auth_callbacks, kv_calls
from kvlint.lint.facts.loops import loops_of
from kvlint.lint.facts.platforms import runtime_globals
from kvlint.lint.facts.web import request_handlers
from kvlint.lint.semantic.dataflow import calls_by_function, made_by, sub_expressions
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis

REQUEST = "request"
TASK = "task"
ROW = "row"
SCHEDULED = "scheduled"
AUTH = "auth"
ACCESSOR = "accessor"
PARTITION = "partition"
# what another module may tell this one (``<kind>:<function>``): the kinds its roots run with
REMOTE_KINDS = (REQUEST, TASK, ROW, SCHEDULED)
LABELS = {
    REQUEST: "per request",
    TASK: "per task or message",
    ROW: "per row",
    SCHEDULED: "per scheduled run",
    AUTH: "per authentication callback",
    ACCESSOR: "per accessor call",
    PARTITION: "per partition",
}
# the first that reaches code wins; once per partition only where nothing more often does
KINDS = (REQUEST, TASK, ROW, SCHEDULED, AUTH, ACCESSOR, PARTITION)
MAX_DEPTH = 4  # root -> helper -> helper -> helper -> helper
# run once per object or process, whatever calls them: never an accessor of their own
ONCE_NAMES = frozenset({"__init__", "main", "__aenter__", "__enter__", "setUp", "setup"})

# decorators (import-resolved) that make a function a root
DECORATORS = {
    "celery.shared_task": (TASK, "Celery task"),
    "celery.task": (TASK, "Celery task"),
    "dramatiq.actor": (TASK, "Dramatiq actor"),
    "rq.decorators.job": (TASK, "RQ job"),
    "rq.job": (TASK, "RQ job"),
    "django_rq.job": (TASK, "RQ job"),
    "huey.contrib.djhuey.task": (TASK, "Huey task"),
    "huey.contrib.djhuey.db_task": (TASK, "Huey task"),
    "huey.contrib.djhuey.periodic_task": (SCHEDULED, "Huey periodic task"),
    "huey.contrib.djhuey.db_periodic_task": (SCHEDULED, "Huey periodic task"),
    "airflow.decorators.task": (TASK, "Airflow task"),
    "airflow.sdk.task": (TASK, "Airflow task"),
    "prefect.task": (TASK, "Prefect task"),
    "prefect.flow": (TASK, "Prefect flow"),
    "dagster.op": (TASK, "Dagster op"),
    "dagster.solid": (TASK, "Dagster op"),
    "dagster.asset": (TASK, "Dagster asset"),
    "dagster.multi_asset": (TASK, "Dagster asset"),
    "pyspark.sql.functions.udf": (ROW, "Spark UDF"),
    "pyspark.sql.functions.pandas_udf": (ROW, "Spark UDF"),
    "ray.remote": (ROW, "Ray remote function"),
    "dask.delayed": (ROW, "Dask delayed function"),
}
# ``@obj.method(...)`` where ``obj`` was made by one of these: (prefixes, method -> kind)
FUNCTION_APPS: tuple[str, ...] = ("azure.functions.FunctionApp", "azure.functions.Blueprint")
FUNCTION_APPS += ("azure.durable_functions.DFApp", "azure.durable_functions.Blueprint")
INSTANCE_DECORATORS: tuple[tuple[tuple[str, ...], dict[str, tuple[str, str]]], ...] = (
    (("celery.Celery",), {"task": (TASK, "Celery task")}),
    (
        ("huey.",),
        {
            "task": (TASK, "Huey task"),
            "db_task": (TASK, "Huey task"),
            "periodic_task": (SCHEDULED, "Huey periodic task"),
            "db_periodic_task": (SCHEDULED, "Huey periodic task"),
        },
    ),
    (("dramatiq.",), {"actor": (TASK, "Dramatiq actor")}),
    (
        FUNCTION_APPS,
        {
            **dict.fromkeys(
                (
                    "queue_trigger",
                    "service_bus_queue_trigger",
                    "service_bus_topic_trigger",
                    "event_hub_message_trigger",
                    "event_grid_trigger",
                    "blob_trigger",
                    "cosmos_db_trigger",
                    "kafka_trigger",
                ),
                (TASK, "Azure Functions message trigger"),
            ),
            "activity_trigger": (TASK, "Durable activity"),
            "timer_trigger": (SCHEDULED, "Azure Functions timer trigger"),
            "schedule": (SCHEDULED, "Azure Functions timer trigger"),
        },
    ),
    (("apscheduler.",), {"scheduled_job": (SCHEDULED, "APScheduler job")}),
)
# an Azure Functions (v1) ``main`` whose binding parameter is annotated with one of these
FUNCTION_MESSAGES = {
    "azure.functions.QueueMessage": (TASK, "Azure Functions queue trigger"),
    "azure.functions.ServiceBusMessage": (TASK, "Azure Functions Service Bus trigger"),
    "azure.functions.EventHubEvent": (TASK, "Azure Functions Event Hubs trigger"),
    "azure.functions.EventGridEvent": (TASK, "Azure Functions Event Grid trigger"),
    "azure.functions.InputStream": (TASK, "Azure Functions blob trigger"),
    "azure.functions.TimerRequest": (SCHEDULED, "Azure Functions timer trigger"),
}
# Spark objects: ``pyspark`` ones, and the Databricks runtime's (``from databricks.sdk.runtime
# import spark``)
SPARK: tuple[str, ...] = ("pyspark.", "databricks.sdk.runtime.spark", "databricks.sdk.runtime.sc")
SPARK += ("databricks.sdk.runtime.sqlContext",)
# ``obj.method(f, ...)`` (or ``on_event=f``) where ``obj`` was made by one of these: f is a root
REGISTRATIONS: tuple[tuple[tuple[str, ...], frozenset[str], str, str], ...] = (
    (("rq.Queue", "rq.queue.Queue"), frozenset({"enqueue", "enqueue_call"}), TASK, "RQ job"),
    (
        ("multiprocessing.Pool", "multiprocessing.pool.", "concurrent.futures."),
        frozenset({"map", "imap", "imap_unordered", "starmap", "map_async", "starmap_async"}),
        ROW,
        "pool worker",
    ),
    (("dask.distributed.Client", "distributed.Client"), frozenset({"map"}), ROW, "Dask map"),
    (
        ("pandas.", "modin.pandas.", "dask.dataframe."),
        frozenset({"apply", "map", "applymap", "transform", "agg", "aggregate"}),
        ROW,
        "pandas row function",
    ),
    (
        SPARK,
        frozenset({"map", "flatMap", "foreach", "filter", "mapValues", "flatMapValues", "keyBy"}),
        ROW,
        "Spark row function",
    ),
    (SPARK, frozenset({"register", "registerFunction"}), ROW, "Spark UDF"),  # spark.udf.register
    (
        SPARK,
        frozenset({"mapPartitions", "mapPartitionsWithIndex", "foreachPartition"}),
        PARTITION,
        "Spark partition function",  # its parameter iterates the partition's rows
    ),
    (SPARK, frozenset({"mapInPandas", "mapInArrow"}), PARTITION, "Spark batch function"),
    (
        ("azure.eventhub.EventHubConsumerClient", "azure.eventhub.aio.EventHubConsumerClient"),
        frozenset({"receive", "receive_batch"}),
        TASK,
        "Event Hubs event callback",
    ),
    (("apscheduler.",), frozenset({"add_job"}), SCHEDULED, "APScheduler job"),
    (("schedule.every",), frozenset({"do"}), SCHEDULED, "schedule job"),
)
# calls that make their argument a root: ``udf(f)``, ``delayed(f)``, ``PythonOperator(...)``
WRAPPERS = {
    "pyspark.sql.functions.udf": (ROW, "Spark UDF"),
    "pyspark.sql.functions.pandas_udf": (ROW, "Spark UDF"),
    "dask.delayed": (ROW, "Dask delayed function"),
    "ray.remote": (ROW, "Ray remote function"),
    "airflow.operators.python.PythonOperator": (TASK, "Airflow task"),
    "airflow.operators.python_operator.PythonOperator": (TASK, "Airflow task"),
    "airflow.providers.standard.operators.python.PythonOperator": (TASK, "Airflow task"),
}
AIRFLOW_OPERATORS: tuple[str, ...] = (
    "airflow.models.BaseOperator",
    "airflow.models.baseoperator.BaseOperator",
)
AIRFLOW_OPERATORS += ("airflow.sdk.BaseOperator", "airflow.sensors.base.BaseSensorOperator")


@dataclass(frozen=True)
class Frequency:
    """How often a function (or a lambda) runs, and the chain that proves it."""

    kind: str  # REQUEST, TASK, ROW, SCHEDULED, AUTH, ACCESSOR, PARTITION
    label: str  # what the root is: "route", "Celery task", ...
    root: cst.CSTNode | None  # the root function or lambda (None: in another module)
    chain: tuple[str, ...] = ()  # the same-module functions called from the root, in order
    remote: str = ""  # the chain in another module that reaches this one
    registered: cst.Call | None = None  # the call that made a function a root (``udf(f)``)

    @property
    def per(self) -> str:
        return LABELS[self.kind]

    def describe(self, analysis: Analysis) -> str:
        """``per request: route `config()` at app/views.py:12 -> `get_settings()```."""
        steps = [f"`{name}()`" for name in self.chain]
        if self.root is not None:
            name = self.root.name.value if isinstance(self.root, cst.FunctionDef) else "lambda"
            at = f"{analysis.path}:{analysis.line_of(self.root)}"
            start = f"{self.label} `{name}()` at {at}"
            if self.registered is not None and isinstance(self.root, cst.FunctionDef):
                start += f" (registered at {analysis.path}:{analysis.line_of(self.registered)})"
        else:
            start = self.remote
        return f"{self.per}: " + " -> ".join([start, *steps])


ROWS_OF = "the loop over the rows of "  # the label of a loop over a partition's rows


def how_often(analysis: Analysis, node: cst.CSTNode) -> Frequency | None:
    """How often ``node`` runs, when it runs more than once for a known reason (None: once,
    or unknown). A node in a lambda handed to a per-row call runs per row; in a loop over the
    rows a Spark partition function is given, per row."""
    found = frequencies(analysis)
    for ancestor in analysis.ancestors(node):
        if isinstance(ancestor, cst.Lambda) and ancestor in found:
            return _per_row_of_partition(analysis, node, found[ancestor])
        if isinstance(ancestor, cst.FunctionDef):
            frequency = found.get(ancestor)
            return frequency and _per_row_of_partition(analysis, node, frequency)
    return None


def _per_row_of_partition(analysis: Analysis, node: cst.CSTNode, often: Frequency) -> Frequency:
    """``often``, or per row when ``node`` is in a loop (of the root itself) over a parameter
    of a Spark partition function: ``for row in rows:`` in ``rdd.mapPartitions(f)``'s ``f``."""
    root = often.root
    if often.kind != PARTITION or often.chain or often.label != "Spark partition function":
        return often
    if not isinstance(root, (cst.FunctionDef, cst.Lambda)):
        return often
    params = (*root.params.posonly_params, *root.params.params)
    for loop in loops_of(analysis, node):
        for expr in loop.iters:
            bound = analysis.bindings(expr.value, expr) if isinstance(expr, cst.Name) else []
            if bound and any(bound[-1].node is param for param in params):
                return replace(often, kind=ROW, label=ROWS_OF + often.label)
    return often


@module_fact
def frequencies(analysis: Analysis) -> dict[cst.CSTNode, Frequency]:
    """Every function (and root lambda) of the module that runs per request, task, row, ...:
    the roots first, then what they call, breadth first (the shortest chain wins)."""
    found: dict[cst.CSTNode, Frequency] = {}
    roots = _roots(analysis)
    for kind in KINDS:  # a request's chain wins over an accessor's, whatever the order
        frontier = []
        for node, frequency in roots:
            fresh = frequency.kind == kind and node not in found
            if fresh and not _cached_function(analysis, node):
                found[node] = frequency
                frontier.append(node)
        _follow(analysis, found, frontier)
    return found


def _follow(analysis: Analysis, found: dict[cst.CSTNode, Frequency], frontier: list) -> None:
    """What the functions of ``frontier`` call, breadth first, up to MAX_DEPTH steps."""
    for _ in range(MAX_DEPTH):
        following = []
        for caller in frontier:
            frequency = found[caller]
            for call in _calls_in(analysis, caller):
                callee = _callee(analysis, call)
                if callee is None or callee in found or _cached_function(analysis, callee):
                    continue
                if is_cached(analysis, call):
                    continue
                name = callee.name.value
                cls = analysis.enclosing_class(callee)
                if cls is not None:
                    name = f"{cls.name.value}.{name}"
                found[callee] = replace(frequency, chain=(*frequency.chain, name))
                following.append(callee)
        if not following:
            break
        frontier = following


def _cached_function(analysis: Analysis, node: cst.CSTNode) -> bool:
    return isinstance(node, cst.FunctionDef) and is_cache_decorated(analysis, node)


def _calls_in(analysis: Analysis, node: cst.CSTNode) -> list[cst.Call]:
    if isinstance(node, cst.FunctionDef):
        return calls_by_function(analysis).get(node, [])
    return [n for n in sub_expressions(node) if isinstance(n, cst.Call)]


def _callee(analysis: Analysis, call: cst.Call) -> cst.FunctionDef | None:
    """The same-module function a call runs: a function, a method, or the ``__init__`` of a
    class of this module it constructs."""
    target = analysis.local_function(call.func)
    if target is not None:
        return target
    tag = analysis.class_tag(call.func)
    if tag is None or not tag.startswith("instance:~"):
        return None
    cls = analysis.top_class(tag.removeprefix("instance:~"))
    if cls is None:
        return None
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
            return statement
    return None


def _roots(analysis: Analysis) -> list[tuple[cst.CSTNode, Frequency]]:
    out: list[tuple[cst.CSTNode, Frequency]] = []
    for function, kind in request_handlers(analysis).items():
        label = "route" if kind == "request handler" else kind
        out.append((function, Frequency(REQUEST, label, function)))
    out += _remote_roots(analysis)
    for function in analysis.index.functions:
        found = _decorated_root(analysis, function) or _typed_root(analysis, function)
        if found is not None:
            out.append((function, Frequency(found[0], found[1], function)))
    out += _registered_roots(analysis)
    for function in sorted(auth_callbacks(analysis), key=lambda f: analysis.order.get(f, 0)):
        out.append((function, Frequency(AUTH, "authentication callback", function)))
    readers = {analysis.enclosing_function(kv.call) for kv in kv_calls(analysis) if kv.read}
    for function in analysis.index.functions:  # in order: the same answer on every run
        reader = function in readers and function.name.value not in ONCE_NAMES
        if reader and accessor_reads(analysis, function):
            out.append((function, Frequency(ACCESSOR, "accessor", function)))
    return out


def _remote_roots(analysis: Analysis) -> list[tuple[cst.CSTNode, Frequency]]:
    """Functions and methods a root in another module calls (``analysis.incoming``)."""
    if not analysis.incoming:
        return []
    out: list[tuple[cst.CSTNode, Frequency]] = []
    for function in analysis.index.functions:
        name = exported_name(analysis, function)
        for kind in REMOTE_KINDS if name else ():
            remote = analysis.incoming.get(f"{kind}:{name}")
            if remote:
                out.append((function, Frequency(kind, "", None, (name or "",), remote)))
                break
    return out


def exported_name(analysis: Analysis, function: cst.FunctionDef) -> str | None:
    """How another module names ``function``: ``f`` at the top level, ``Class.f`` for a
    method of a top-level class; None for a nested function."""
    if analysis.enclosing_function(function) is not None:
        return None
    cls = analysis.enclosing_class(function)
    if cls is None:
        return function.name.value
    if analysis.enclosing_class(cls) is None and analysis.enclosing_function(cls) is None:
        return f"{cls.name.value}.{function.name.value}"
    return None


def _decorated_root(analysis: Analysis, function: cst.FunctionDef) -> tuple[str, str] | None:
    for decorator in function.decorators:
        expr = decorator.decorator
        func = expr.func if isinstance(expr, cst.Call) else expr
        qual = analysis.qualname(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if qual in DECORATORS:
            return DECORATORS[qual]
        if not isinstance(func, cst.Attribute):
            continue
        method = func.attr.value
        makers = None
        for prefixes, methods in INSTANCE_DECORATORS:
            if method not in methods:
                continue
            makers = _makers(analysis, func.value) if makers is None else makers
            if any(m == p or m.startswith(p) for m in makers for p in prefixes):
                return methods[method]
    return None


def _typed_root(analysis: Analysis, function: cst.FunctionDef) -> tuple[str, str] | None:
    """An Azure Functions (v1) trigger by its binding's annotation; an Airflow operator's
    ``execute``."""
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.annotation is not None:
            qual = analysis.qualname(param.annotation.annotation)
            if qual in FUNCTION_MESSAGES:
                return FUNCTION_MESSAGES[qual]
    cls = analysis.enclosing_class(function)
    if function.name.value == "execute" and cls is not None:
        for base in cls.bases:
            qual = analysis.qualname(base.value) or ""
            if qual in AIRFLOW_OPERATORS or (
                qual.startswith("airflow.") and qual.endswith(("Operator", "Sensor"))
            ):
                return TASK, "Airflow operator"
    return None


def _registered_roots(analysis: Analysis) -> list[tuple[cst.CSTNode, Frequency]]:
    """Functions and lambdas handed to a call that runs them per task, row or schedule."""
    out: list[tuple[cst.CSTNode, Frequency]] = []
    for call, target, kind, label in registrations(analysis):
        node: cst.CSTNode | None = (
            target if isinstance(target, cst.Lambda) else analysis.local_function(target)
        )
        if node is not None:
            out.append((node, Frequency(kind, label, node, registered=call)))
    return out


_FUNCTION_KEYWORDS = ("on_event", "on_event_batch", "python_callable", "func", "f")


@module_fact
def registrations(analysis: Analysis) -> list[tuple[cst.Call, cst.BaseExpression, str, str]]:
    """Calls that run a function argument per task, row or schedule: (the call, the function
    expression, kind, label). The function is the first argument that is a lambda, a function
    of this module or a name another module binds (its outgoing facts: an imported function
    registered as a UDF runs per row there)."""
    out = []
    for call in analysis.index.calls:
        found = _registration(analysis, call)
        if found is None:
            continue
        for argument in call.args:
            keyword = argument.keyword
            if keyword is not None and keyword.value not in _FUNCTION_KEYWORDS:
                continue
            target = argument.value
            if isinstance(target, cst.Lambda) or analysis.local_function(target) is not None:
                out.append((call, target, *found))
                break  # the first function argument is the one run
            if isinstance(target, (cst.Name, cst.Attribute)) and analysis.qualname(target):
                out.append((call, target, *found))
                break
    return out


def _registration(analysis: Analysis, call: cst.Call) -> tuple[str, str] | None:
    callee = analysis.callee(call)
    if callee in WRAPPERS:
        return WRAPPERS[callee]
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    makers = None
    for prefixes, methods, kind, label in REGISTRATIONS:
        if method not in methods:
            continue
        makers = _makers(analysis, func.value) if makers is None else makers
        if any(m == p or m.startswith(p) for m in makers for p in prefixes):
            return kind, label
    return None


def _makers(analysis: Analysis, expr: cst.BaseExpression) -> set[str]:
    return made_by(analysis, expr, injected=runtime_globals(analysis))
