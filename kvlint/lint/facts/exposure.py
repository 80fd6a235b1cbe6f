"""Secret and token material, where it goes: the sinks, and what reaches them.

Sinks: ``print`` and stream writes, ``logging`` and logger methods, response constructors of
Flask / Quart / FastAPI / Starlette / Django / Azure Functions, template contexts
(``render(request, t, {...})``, ``render_template(t, secret=s)``, Starlette / FastAPI
``TemplateResponse``), and values returned from web request handlers. What a value may carry is the taint model's (:mod:`kvlint.lint.facts.taint`);
a function whose parameter reaches a sink (``def log_it(v): logger.info("%s", v)``, directly
or through the helpers it calls, in this module or imported) makes each of its call sites a
sink for that argument (:func:`param_sinks`, :func:`helper_sinks`): the call site is reported,
naming the helper.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kvlint.lint.facts.taint import (
    SECRET_OBJECT,
    SECRET_VALUE,
    TAINT_OF_CATEGORY,
    TOKEN,
    Taint,
    library_types,
    param_marker,
    seeded,
    taint,
)
from kvlint.lint.facts.types import category
from kvlint.lint.facts.web import DEPENDENCY, imports_web_framework, request_handlers
from kvlint.lint.project.resolver import ModuleView
from kvlint.lint.project.summary import INSTANCE_PREFIX, LOCAL_CLASS
from kvlint.lint.semantic.dataflow import calls_by_function, imported_modules, made_by
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.parts import argument_for
from kvlint.lint.semantic.syntax import dotted

__all__ = [
    "SECRET_OBJECT",
    "SECRET_VALUE",
    "TOKEN",
    "Exposure",
    "Taint",
    "exposures",
    "helper_sinks",
    "param_sinks",
    "sink",
    "taint",
]

LOG_METHODS = (
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
    "msg",
    "success",
    "trace",
)


LOGGER_NAMES = ("logger", "log", "_logger", "_log", "LOGGER", "LOG", "_LOGGER", "logging_client")


PRINT_FUNCTIONS = (
    "sys.stdout.write",
    "sys.stderr.write",
    "pprint.pprint",
    "click.echo",
    "click.secho",
    "typer.echo",
    "rich.print",
)


RESPONSE_MODULES = (
    "flask",
    "quart",
    "werkzeug",
    "fastapi",
    "starlette",
    "django.http",
    "django.shortcuts",
    "azure.functions",
    "aiohttp.web",
    "sanic.response",
)


RESPONSE_NAMES = (
    "Response",
    "HttpResponse",
    "JsonResponse",
    "StreamingHttpResponse",
    "JSONResponse",
    "PlainTextResponse",
    "HTMLResponse",
    "ORJSONResponse",
    "UJSONResponse",
    "make_response",
    "jsonify",
    "render_template",
    "render_template_string",
    "render",
    "json_response",
)


RESPONSE_FUNCTIONS = ("sanic.response.json", "sanic.response.text", "sanic.response.html")


def sink(analysis: Analysis, call: cst.Call) -> str | None:
    """``print``, ``log`` or ``response`` for a call that writes its arguments out."""
    func = call.func
    if isinstance(func, cst.Name) and func.value == "print":
        return "print" if not analysis.bindings("print", func) else None
    qual = analysis.callee(call)
    if qual in PRINT_FUNCTIONS:
        return "print"
    if qual is not None:
        module, _, name = qual.rpartition(".")
        if module == "logging" and name in LOG_METHODS:
            return "log"
        if module == "loguru.logger" and name in LOG_METHODS:
            return "log"
        if qual in RESPONSE_FUNCTIONS or (
            name in RESPONSE_NAMES
            and any(module == m or module.startswith(m + ".") for m in RESPONSE_MODULES)
        ):
            return "response"
    if isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS:
        receiver = func.value
        if analysis.is_a(receiver, "logger"):
            return "log"
        if not library_types(analysis, receiver) and _logger_name(receiver):
            return "log"
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value == "TemplateResponse"
        and not made_by(analysis, func.value).isdisjoint(TEMPLATE_ENGINES)
    ):
        return "response"  # ``templates.TemplateResponse("page.html", {"secret": s})``
    return None


TEMPLATE_ENGINES = ("fastapi.templating.Jinja2Templates", "starlette.templating.Jinja2Templates")


def _logger_name(expr: cst.BaseExpression) -> bool:
    """An untraceable ``logger`` / ``self.log`` (imported from elsewhere, or a parameter)."""
    if isinstance(expr, cst.Name):
        return expr.value in LOGGER_NAMES
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        return expr.value.value in ("self", "cls") and expr.attr.value in LOGGER_NAMES
    return False


def is_handler(analysis: Analysis, function: cst.FunctionDef) -> bool:
    """A request handler itself (not a helper it calls): its return value is the response."""
    kind = request_handlers(analysis).get(function)
    return kind is not None and kind != DEPENDENCY


SINK_WORDS = {
    "print": "printed",
    "log": "logged",
    "response": "put in an HTTP response",
    "return": "returned as an HTTP response",
}
# what a message advises writing there instead starts with this verb
SINK_VERBS = {"print": "Print", "log": "Log", "response": "Send", "return": "Return"}


@dataclass(frozen=True)
class Exposure:
    """A value written out: the node to report, the sink, and what material it may carry."""

    node: cst.CSTNode  # the sink call, or the returned value
    sink: str  # print, log, response, return
    kinds: frozenset[str]
    web: bool  # the module serves requests: its stdout is the platform's log
    via: str | None = None  # the helper whose parameter reaches the sink (``log_it``)
    # the object itself is handed over (a handler's return value is serialised, a template
    # context's values are read by the template: ``{{ secret.value }}``), not its ``str()``
    whole: bool = False

    @property
    def where(self) -> str:
        """``logged``, ``logged through `log_it()` ``: what happens to the value, in words."""
        words = SINK_WORDS[self.sink]
        return f"{words} through `{self.via}()`" if self.via else words


@module_fact
def _sink_calls(analysis: Analysis) -> dict[cst.Call, str]:
    return {call: where for call in analysis.index.calls if (where := sink(analysis, call))}


@module_fact
def _param_sinks_memo(analysis: Analysis) -> dict[cst.FunctionDef, tuple[tuple[str, str], ...]]:
    return {}


MAX_HELPER_DEPTH = 3


def param_sinks(
    analysis: Analysis, function: cst.FunctionDef, depth: int = 0
) -> tuple[tuple[str, str], ...]:
    """``(parameter, sink)`` for each parameter of ``function`` whose value it writes out
    (``print``, ``log``, ``response``), itself or through the same-module helpers it calls
    (bounded; another module's helper called from a helper is not followed)."""
    memo = _param_sinks_memo(analysis)
    if function in memo:
        return memo[function]
    if depth > MAX_HELPER_DEPTH:
        return ()
    memo[function] = ()  # recursion guard
    sinks = _sink_calls(analysis)
    if not sinks and analysis.imports is None:
        return ()  # nothing here writes anything out, and no helper elsewhere is known
    params = function.params
    markers = {
        param_marker(analysis, p): p.name.value
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
    }
    model = seeded(analysis)
    found: dict[str, str] = {}
    for call in calls_by_function(analysis).get(function, ()):
        where = sinks.get(call)
        if where is not None:
            for argument in call.args:
                for marker in model(argument.value) & markers.keys():
                    found.setdefault(markers[marker], where)
            continue
        if not call.args or analysis.local_function(call.func) is None:
            continue  # only this module's helpers are followed (bounded, no summary asked)
        if not any(model(a.value) & markers.keys() for a in call.args):
            continue
        for value, into, _via in helper_sinks(analysis, call, depth + 1):
            for marker in model(value) & markers.keys():
                found.setdefault(markers[marker], into)
    memo[function] = result = tuple(sorted(found.items()))
    return result


def helper_sinks(
    analysis: Analysis, call: cst.Call, depth: int = 0
) -> list[tuple[cst.BaseExpression, str, str]]:
    """For a call of a function that writes some of its parameters out: each argument passed
    for such a parameter, the sink, and the function's name."""
    func = call.func
    pairs: list[tuple[str, int, str]] = []
    target = analysis.local_function(func)
    if target is not None:
        params = target.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        if (
            isinstance(func, cst.Attribute)
            and analysis.enclosing_class(target) is not None
            and "staticmethod" not in analysis.decorator_names(target)
        ):
            positional = positional[1:]  # ``self`` / ``cls``: bound at the call
        name = target.name.value
        for param, where in param_sinks(analysis, target, depth):
            index = positional.index(param) if param in positional else -1
            pairs.append((param, index, where))
    else:
        symbol = analysis.imported(func, "function")
        name = dotted(func) or "helper"
        if symbol is None:  # a method of an instance of another module's class
            method = analysis.imported_method(func)
            if method is not None:
                symbol, name = method[0], method[1][1]  # ``Audit.record``
        if symbol is None or not symbol.sinks:
            return []
        for entry in symbol.sinks:
            param, _, where = entry.partition(":")
            index = symbol.params.index(param) if param in symbol.params else -1
            pairs.append((param, index, where))
    out = []
    for param, index, where in pairs:
        argument = argument_for(call, param, index)
        if argument is not None:
            out.append((argument, where, name))
    return out


LITERALS = (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)


@module_fact
def exposures(analysis: Analysis) -> list[Exposure]:
    """Every sink call, every call of a helper that writes an argument out, and every value a
    request handler returns, with its taint."""
    model = taint(analysis)
    out: list[Exposure] = []
    sink_calls: set[cst.Call] = set()
    web = imports_web_framework(analysis)
    sinks = _sink_calls(analysis)
    for call in analysis.index.calls:
        where = sinks.get(call)
        if where is None:
            out += _through_helper(analysis, model, call, web)
            continue
        if where != "print" or web:
            sink_calls.add(call)  # its value is not also "returned" by a handler
        kinds: frozenset[str] = frozenset()
        for argument in call.args:
            kinds |= model(argument.value)
        whole = where == "response" and _renders_template(call)
        out.append(Exposure(call, where, kinds, web, whole=whole))
    for ret in analysis.index.returns:
        value = ret.value
        if value is None or value in sink_calls:
            continue
        function = analysis.enclosing_function(ret)
        if function is None or not is_handler(analysis, function):
            continue
        out.append(Exposure(value, "return", model(value), web, whole=True))
    return out


# the response sinks that hand their values to a template (its context), not their str()
TEMPLATE_RENDERERS = ("render", "render_template", "render_template_string", "TemplateResponse")


def _renders_template(call: cst.Call) -> bool:
    """A response sink call (:func:`sink` said so) that renders a template with its context."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return name in TEMPLATE_RENDERERS


# What a module's own source must mention to hold secret or token material itself (the taint
# model's sources: Key Vault reads and writes, token requests, typed parameters, raw REST bodies)
SOURCE_WORDS = (
    "get_secret",
    "set_secret",
    "get_token",
    "acquire_token",
    "keyvaultsecret",
    "secretbundle",
    "accesstoken",
    "access_token",
    "/secrets",
    "oauth2",
    "identity_endpoint",
    "msi_endpoint",
)


@module_fact
def may_hold_material(analysis: Analysis) -> bool:
    """Whether any value of the module may carry secret or token material: its source names a
    source of it, or it imports a first-party function whose result carries some, a value that
    does, or a class (whose instances' attributes may)."""
    text = analysis.source.lower()
    if any(word in text for word in SOURCE_WORDS):
        return True
    imports = analysis.imports
    if not isinstance(imports, ModuleView):
        return False
    for qual in sorted(imported_modules(analysis)):
        if not imports.first_party(qual):
            continue
        symbol = imports.symbol(qual)
        if symbol is None:
            continue
        if symbol.kind == "class" or symbol.carries or any(k for _, k in symbol.parts or ()):
            return True
        if any(
            t.startswith(INSTANCE_PREFIX) or category(t) in TAINT_OF_CATEGORY for t in symbol.tags
        ):
            return True
    return False


def _through_helper(analysis: Analysis, model: Taint, call: cst.Call, web: bool) -> list[Exposure]:
    """A call passing secret or token material to a helper that writes that parameter out."""
    if not call.args or all(isinstance(a.value, LITERALS) for a in call.args):
        return []  # nothing to expose: the callee is not looked up
    if not may_hold_material(analysis):
        return []  # no argument here can carry any
    if analysis.local_function(call.func) is None:
        qual = analysis.qualname(call.func)
        imports = analysis.imports
        if not isinstance(imports, ModuleView):
            return []
        if qual is not None and not imports.first_party(qual):
            return []  # not a first-party function
        if qual is None and not _first_party_instance(analysis, call.func):
            return []  # not a method of an instance of another module's class
        if not any(not isinstance(a.value, LITERALS) and model(a.value) for a in call.args):
            return []  # its summary is asked only for a call passing material
    by_sink: dict[tuple[str, str], frozenset[str]] = {}
    for argument, where, via in helper_sinks(analysis, call):  # the callee first: few write out
        if isinstance(argument, LITERALS):
            continue
        kinds = model(argument)
        if kinds:
            key = (where, via)
            by_sink[key] = by_sink.get(key, frozenset()) | kinds
    return [Exposure(call, where, kinds, web, via) for (where, via), kinds in by_sink.items()]


def _first_party_instance(analysis: Analysis, func: cst.BaseExpression) -> bool:
    """Whether ``func`` is ``obj.method`` on an instance of a class another module of the
    project defines (``Audit().record``, ``self.audit.record`` for ``self.audit = Audit()``):
    its summary says which parameters the method writes out."""
    if not isinstance(func, cst.Attribute):
        return False
    local = INSTANCE_PREFIX + LOCAL_CLASS
    return any(
        t.startswith(INSTANCE_PREFIX) and not t.startswith(local)
        for t in analysis.types_of(func.value)
    )
