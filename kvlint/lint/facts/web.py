"""Web request handlers: routes, views, Azure Functions HTTP triggers, FastAPI dependencies.

Which code runs on every request (the helpers, classes and modules a handler calls) is the
frequency model's answer (:mod:`kvlint.lint.facts.frequency`); this module only finds the
handlers."""

from __future__ import annotations

import libcst as cst

from kvlint.lint.facts.caching import is_cache_decorated
from kvlint.lint.facts.types import HTTP_VERBS
from kvlint.lint.semantic.dataflow import dotted_text, imports_any
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis

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
        *HTTP_VERBS,
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


@module_fact
def request_handlers(analysis: Analysis) -> dict[cst.FunctionDef, str]:
    """The module's request handlers (routes, views, HTTP triggers, FastAPI dependencies) and
    what kind each is; cached ones are left out. The frequency model
    (:mod:`kvlint.lint.facts.frequency`) follows the calls they make."""
    return _request_handlers(analysis)


def imports_web_framework(analysis: Analysis) -> bool:
    """The module imports a web framework or Azure Functions: it serves requests."""
    return imports_any(analysis, WEB_FRAMEWORKS)


def _request_handlers(analysis: Analysis) -> dict[cst.FunctionDef, str]:
    web = imports_web_framework(analysis)
    django = imports_any(analysis, ("django", "rest_framework"))
    path = getattr(analysis, "path", "").replace("\\", "/")
    views_module = path.rsplit("/", 1)[-1] in ("views.py", "views.pyi") or "/views/" in path
    handlers: dict[cst.FunctionDef, str] = {}
    for function in analysis.index.functions:
        kind = _handler_kind(analysis, function, web, django or views_module)
        if kind is not None and not is_cache_decorated(analysis, function):
            handlers[function] = kind
    for call in analysis.index.calls:
        if analysis.callee(call) in ("fastapi.Depends", "fastapi.Security") and call.args:
            dependency = analysis.local_function(call.args[0].value)
            if dependency is not None and not is_cache_decorated(analysis, dependency):
                handlers.setdefault(dependency, DEPENDENCY)
    return handlers


DEPENDENCY = "FastAPI dependency"


def _handler_kind(
    analysis: Analysis, function: cst.FunctionDef, web: bool, django: bool
) -> str | None:
    for decorator in function.decorators:
        expr = decorator.decorator
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
            continue
        method = expr.func.attr.value
        owner = dotted_text(expr.func.value) or ""
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
        and imports_any(analysis, ("azure.functions",))
    ):
        return "Azure Functions HTTP trigger"  # v1 programming model, unannotated
    if django and first == "request":
        return "Django view"
    return None


def _is_view_class(analysis: Analysis, cls: cst.ClassDef, web: bool) -> bool:
    for base in cls.bases:
        qual = analysis.qualname(base.value) or dotted_text(base.value) or ""
        if any(qual == m or qual.startswith(m + ".") for m in VIEW_BASE_MODULES):
            return True
        if web and qual.rsplit(".", 1)[-1].endswith(VIEW_BASE_SUFFIXES):
            return True
    return False
