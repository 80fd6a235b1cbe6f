"""Web request handlers: routes, views, Azure Functions triggers, FastAPI dependencies, and the
same-module helpers they call (one level). One request-handler model for every rule."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kvlint.lint.facts.caching import is_cache_decorated
from kvlint.lint.facts.types import HTTP_VERBS
from kvlint.lint.semantic.dataflow import calls_by_function, dotted_text, imports_any
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


@dataclass(frozen=True)
class RequestContext:
    handler: cst.FunctionDef
    kind: str  # e.g. "Flask/FastAPI route", "Azure Functions HTTP trigger"
    helper: cst.FunctionDef | None = None  # the same-module helper the handler calls
    remote: str | None = None  # a handler in another module calls this function: that call
    name: str = ""  # how ``remote``'s module names the handler (``Wrapper.read``)

    def describe(self) -> str:
        name = self.name or self.handler.name.value
        via = f" through {self.helper.name.value}()" if self.helper is not None else ""
        if self.remote is not None:
            return f"{name}(){via}, called by {self.remote}"
        return f"{self.kind} {name}(){via}"


@module_fact
def request_contexts(analysis: Analysis) -> dict[cst.FunctionDef, RequestContext]:
    """Request handlers, and the uncached same-module functions they call (one level)."""
    return _request_contexts(analysis)


def request_context(analysis: Analysis, node: cst.CSTNode) -> RequestContext | None:
    function = analysis.enclosing_function(node)
    if function is None:
        return None
    return request_contexts(analysis).get(function)


def imports_web_framework(analysis: Analysis) -> bool:
    """The module imports a web framework or Azure Functions: it serves requests."""
    return imports_any(analysis, WEB_FRAMEWORKS)


def _request_contexts(analysis: Analysis) -> dict[cst.FunctionDef, RequestContext]:
    web = imports_web_framework(analysis)
    django = imports_any(analysis, ("django", "rest_framework"))
    path = getattr(analysis, "path", "").replace("\\", "/")
    views_module = path.rsplit("/", 1)[-1] in ("views.py", "views.pyi") or "/views/" in path
    handlers: dict[cst.FunctionDef, RequestContext] = {}
    for function in analysis.index.functions:
        kind = _handler_kind(analysis, function, web, django or views_module)
        if kind is not None and not is_cache_decorated(analysis, function):
            handlers[function] = RequestContext(function, kind)
    for call in analysis.index.calls:
        if analysis.callee(call) in ("fastapi.Depends", "fastapi.Security") and call.args:
            dependency = analysis.local_function(call.args[0].value)
            if dependency is not None and not is_cache_decorated(analysis, dependency):
                handlers.setdefault(dependency, RequestContext(dependency, "FastAPI dependency"))
    if analysis.incoming:  # functions and methods a handler in another module calls
        for function in analysis.index.functions:
            name = _exported_name(analysis, function)
            remote = analysis.incoming.get(f"request:{name}") if name else None
            if remote and not is_cache_decorated(analysis, function):
                context = RequestContext(function, "", remote=remote, name=name or "")
                handlers.setdefault(function, context)
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
                contexts[helper] = RequestContext(
                    handler, context.kind, helper, context.remote, context.name
                )
    return contexts


def _exported_name(analysis: Analysis, function: cst.FunctionDef) -> str | None:
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
