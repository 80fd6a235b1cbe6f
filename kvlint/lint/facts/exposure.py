"""Secret and token material, where it goes: a taint model and the sinks it reaches.

Values are tracked within a module (:class:`Taint`): the result of a Key Vault read and its
``.value``, access tokens (``get_token(...)``, ``.token``, MSAL / ADAL results), names bound to
them, and strings / containers built from them (f-strings, ``+``, ``%``, ``.format``,
``str()``, ``json.dumps``, dict / list literals). A secret's name, version, id or ``len()`` is
not its value. Sinks: ``print`` and stream writes, ``logging`` and logger methods, response
constructors of Flask / Quart / FastAPI / Starlette / Django / Azure Functions, and values
returned from web request handlers.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.http import http_calls, token_endpoint_calls
from kvlint.lint.facts.urls import is_keyvault_url
from kvlint.lint.facts.web import DEPENDENCY, imports_web_framework, request_handlers
from kvlint.lint.project.summary import INSTANCE_PREFIX
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis

SECRET_VALUE = "secret-value"  # the secret's text: a leak anywhere


SECRET_OBJECT = "secret-object"  # KeyVaultSecret: its repr shows only the id; leaks when serialised


TOKEN = "token"  # an access token, or an object whose repr / JSON shows one


TAINT_OF_CATEGORY = {
    "secret-value": SECRET_VALUE,
    "secret": SECRET_OBJECT,
    "token-string": TOKEN,
    "access-token": TOKEN,  # AccessToken / AccessTokenInfo: the repr prints the token
    "token-result": TOKEN,  # MSAL / ADAL result dict holds the token
}


WRAPPER_BUILTINS = ("str", "repr", "format", "bytes", "ascii")


WRAPPER_FUNCTIONS = (
    "json.dumps",
    "base64.b64encode",
    "base64.b64decode",
    "base64.urlsafe_b64encode",
    "pprint.pformat",
    "textwrap.dedent",
)


STR_METHODS = (
    "strip",
    "lstrip",
    "rstrip",
    "encode",
    "decode",
    "upper",
    "lower",
    "replace",
    "splitlines",
    "split",
)


MAX_DEPTH = 8


def library_types(analysis: Analysis, expr: cst.BaseExpression) -> frozenset[str]:
    """``expr``'s type tags from the libraries kvlint knows (an instance of the project's own
    class says nothing of what it holds: ``log = AppLogger()`` is still a logger by its name)."""
    tags = analysis.types_of(expr)
    if any(t.startswith(INSTANCE_PREFIX) for t in tags):
        return frozenset(t for t in tags if not t.startswith(INSTANCE_PREFIX))
    return tags


class Taint:
    """What secret / token material an expression may carry. Memoised per file."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._memo: dict[cst.CSTNode, frozenset[str]] = {}

    @staticmethod
    def of(analysis: Analysis) -> Taint:
        return taint(analysis)

    def __call__(self, expr: cst.BaseExpression, depth: int = 0) -> frozenset[str]:
        if expr in self._memo:
            return self._memo[expr]
        if depth > MAX_DEPTH:
            return frozenset()
        self._memo[expr] = frozenset()  # recursion guard
        result = frozenset(self._compute(expr, depth))
        self._memo[expr] = result
        return result

    def _compute(self, expr: cst.BaseExpression, depth: int) -> set[str]:
        analysis = self.analysis
        tags = library_types(analysis, expr)
        kinds = {
            TAINT_OF_CATEGORY[c] for t in tags if (c := kvtypes.category(t)) in TAINT_OF_CATEGORY
        }
        if kvtypes.TRACK1_SECRET in tags:
            kinds.add(SECRET_VALUE)  # a SecretBundle prints its value with its other fields
        if kinds or tags:
            return kinds  # a typed value: its type says it all (secret.name is not the value)
        below = depth + 1
        if isinstance(expr, cst.Name):
            out: set[str] = set()
            for value in analysis.assigned_values(expr):
                out |= self(value, below)
            return out
        if isinstance(expr, cst.Attribute):
            out = set()
            for value in analysis.attribute_values(expr):
                out |= self(value, below)
            return out
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, below)
        if isinstance(expr, cst.FormattedString):
            return self._union(
                [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)],
                below,
            )
        if isinstance(expr, cst.ConcatenatedString):
            return self._union([expr.left, expr.right], below)
        if isinstance(expr, cst.BinaryOperation) and isinstance(
            expr.operator, (cst.Add, cst.Modulo)
        ):
            return self._union([expr.left, expr.right], below)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return self._union([e.value for e in expr.elements], below)
        if isinstance(expr, cst.Dict):
            return self._union(
                [e.value for e in expr.elements if isinstance(e, cst.DictElement)], below
            )
        if isinstance(expr, cst.IfExp):
            return self._union([expr.body, expr.orelse], below)
        if isinstance(expr, cst.BooleanOperation):
            return self._union([expr.left, expr.right], below)
        if isinstance(expr, (cst.Await, cst.NamedExpr)):
            inner = expr.expression if isinstance(expr, cst.Await) else expr.value
            return set(self(inner, below))
        if isinstance(expr, cst.Call):
            return self._call(expr, below)
        return set()

    def _union(self, exprs: list[cst.BaseExpression], depth: int) -> set[str]:
        out: set[str] = set()
        for expr in exprs:
            out |= self(expr, depth)
        return out

    def _subscript(self, expr: cst.Subscript, depth: int) -> set[str]:
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return set()  # a slice shows part of the value
        if library_types(self.analysis, expr.value):
            return set()  # typed container (MSAL result): the types table knows its keys
        key = self.analysis.fold_str(expr.slice[0].slice.value)
        if key == "value" and self._raw_secret_body(expr.value):
            return {SECRET_VALUE}
        if key in kvtypes.TOKEN_RESULT_KEYS and self._raw_token_body(expr.value):
            return {TOKEN}
        container = expr.value
        if isinstance(container, cst.Name):
            values = self.analysis.assigned_values(container)
            container = values[-1] if values else container
        if isinstance(container, cst.Dict):
            key = self.analysis.fold_str(expr.slice[0].slice.value)
            if key is not None:
                for element in container.elements:
                    if (
                        isinstance(element, cst.DictElement)
                        and self.analysis.fold_str(element.key) == key
                    ):
                        return set(self(element.value, depth))
                return set()
        return set(self(expr.value, depth))

    def _raw_token_body(self, expr: cst.BaseExpression) -> bool:
        """``requests.get(<token endpoint>).json()``: the JSON answer of a raw token request
        (managed identity endpoints, Entra ID ``/oauth2/token``), through local names."""
        request = self._json_source(expr)
        return request is not None and request in token_endpoint_calls(self.analysis)

    def _json_source(self, expr: cst.BaseExpression) -> cst.Call | None:
        """The call whose ``.json()`` ``expr`` is (through local names on both sides)."""
        json_call = self._through_names(expr)
        if not (isinstance(json_call, cst.Call) and self.analysis.method_name(json_call) == "json"):
            return None
        receiver = self.analysis.receiver(json_call)
        source = self._through_names(receiver) if receiver is not None else None
        return source if isinstance(source, cst.Call) else None

    def _through_names(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """``expr`` with local names replaced by their latest value and ``await`` removed."""
        for _ in range(4):
            if isinstance(expr, cst.Name):
                values = self.analysis.assigned_values(expr)
                if not values:
                    return None
                expr = values[-1]
            elif isinstance(expr, cst.Await):
                expr = expr.expression
            else:
                return expr
        return None

    def _raw_secret_body(self, expr: cst.BaseExpression) -> bool:
        """``requests.get(<vault>/secrets/...).json()`` (through local names)."""
        analysis = self.analysis
        for _ in range(3):
            if isinstance(expr, cst.Name):
                values = analysis.assigned_values(expr)
                if not values:
                    return False
                expr = values[-1]
            elif isinstance(expr, cst.Call) and analysis.method_name(expr) == "json":
                receiver = analysis.receiver(expr)
                if receiver is None:
                    return False
                expr = receiver
            else:
                break
        if not isinstance(expr, cst.Call):
            return False
        for http in http_calls(analysis):
            if http.call is expr and http.method in ("get", "request"):
                text = http.url_text(analysis) or ""
                return bool(is_keyvault_url(analysis, text)) and "/secrets/" in text
        return False

    def _call(self, call: cst.Call, depth: int) -> set[str]:
        analysis = self.analysis
        func = call.func
        args = [a.value for a in call.args]
        if isinstance(func, cst.Attribute):
            if func.attr.value == "format":
                return self._union([func.value, *args], depth)
            if func.attr.value == "join":
                return self._union(args, depth)
            if func.attr.value in STR_METHODS:
                return set(self(func.value, depth))
            if (
                func.attr.value == "get"
                and args
                and analysis.fold_str(args[0]) in kvtypes.TOKEN_RESULT_KEYS
                and self._raw_token_body(func.value)
            ):
                return {TOKEN}  # token_response.get("access_token")
        if isinstance(func, cst.Name) and not analysis.bindings(func.value, func):
            if func.value in WRAPPER_BUILTINS:
                return self._union(args[:1], depth)
            if func.value == "dict":
                return self._union(args, depth)
        if analysis.callee(call) in WRAPPER_FUNCTIONS:
            return self._union(args[:1], depth)
        target = analysis.local_function(func)
        if target is not None:
            return self._union(analysis.returns_of(target), depth)
        return set()


@module_fact
def taint(analysis: Analysis) -> Taint:
    """The module's taint model (one, shared by KV401 and KV402)."""
    return Taint(analysis)


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
    return None


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


@module_fact
def exposures(analysis: Analysis) -> list[Exposure]:
    """Every sink call and every value a request handler returns, with its taint."""
    model = taint(analysis)
    out: list[Exposure] = []
    sink_calls: set[cst.Call] = set()
    web = imports_web_framework(analysis)
    for call in analysis.index.calls:
        where = sink(analysis, call)
        if where is None:
            continue
        if where != "print" or web:
            sink_calls.add(call)  # its value is not also "returned" by a handler
        kinds: frozenset[str] = frozenset()
        for argument in call.args:
            kinds |= model(argument.value)
        out.append(Exposure(call, where, kinds, web))
    for ret in analysis.index.returns:
        value = ret.value
        if value is None or value in sink_calls:
            continue
        function = analysis.enclosing_function(ret)
        if function is None or not is_handler(analysis, function):
            continue
        out.append(Exposure(value, "return", model(value), web))
    return out
