"""Access tokens' text: whether a value holds one (:func:`holds_token`, also through what a
same-module helper returns), whether a class reads a token's expiry (:func:`reads_token_expiry`),
and where a token comes from: the token requests a value may hold the token of
(:func:`token_origin`), and the one service and library they agree on, from the audiences
:func:`kvlint.lint.facts.audiences.token_requests` reads and the shared classification of
:mod:`kvlint.lint.facts.urls` (a Synapse / Fabric ``getToken("pbi")`` by its documented name).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.audiences import TokenValue, token_requests
from kvlint.lint.facts.http import http_call_nodes
from kvlint.lint.facts.platforms import platform_calls
from kvlint.lint.facts.urls import PLATFORM_TOKEN_AUDIENCES, audience_service, classify_audience
from kvlint.lint.semantic.dataflow import reaching_values, sub_expressions
from kvlint.lint.semantic.memo import module_fact, node_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg
from kvlint.lint.semantic.values import fold_elements
from kvlint.lint.semantic.walk import children

ORIGIN_HOPS = 4  # names, attributes and same-module helpers followed back from a token string
HELPER_DEPTH = 3  # helper -> helper -> token: how far a returned token is followed
NESTED_SCOPES = (cst.Lambda, cst.FunctionDef, cst.ClassDef)
# what a class reads when it checks (and so may renew) a token before it expires
TOKEN_EXPIRY_WORDS = ("expires_on", "expires_in", "expireson", "refresh_on", "expiresin")


TokenPath = tuple[cst.Call, ...]  # the helper calls a token comes through, then its request


@dataclass(frozen=True)
class TokenOrigin:
    """The token requests a token string (or a value built from one) may come from."""

    paths: frozenset[TokenPath]
    service: str | None  # "Key Vault", "Azure SQL", ...: None when unknown or not one
    library: str | None  # "azure-identity", "msal", "adal", "platform": None likewise

    @property
    def requests(self) -> frozenset[cst.Call]:
        return frozenset(path[-1] for path in self.paths)

    def within(self, paths: set[TokenPath]) -> bool:
        """Every way this token comes is the end of one of ``paths``: it is the same token
        (``self.token = token`` inside the helper whose result ``__init__`` stores), not a
        token fetched again (the helper called a second time)."""
        return bool(self.paths) and all(
            any(path == known[len(known) - len(path) :] for known in paths) for path in self.paths
        )


def is_token_string(analysis: Analysis, node: cst.CSTNode) -> bool:
    """``credential.get_token(...).token``, MSAL / ADAL ``acquire_token*(...)["access_token"]``,
    or a Synapse / Fabric ``getToken(...)`` call: an access token's text."""
    if isinstance(node, cst.Call) and _platform_token_call(analysis, node):
        return True
    return isinstance(node, cst.BaseExpression) and any(
        kvtypes.category(t) == "token-string" for t in analysis.types_of(node)
    )


def holds_token(
    analysis: Analysis, value: cst.BaseExpression, skip: Set[str] = frozenset()
) -> bool:
    """``value`` holds a token string (:func:`is_token_string`), other than through a name in
    ``skip``; a call of a same-module helper holds one when the helper returns a token or a
    value built from one (``return {"Authorization": f"Bearer {token.token}"}``). A response
    fetched with the token is not the token."""
    if isinstance(value, (cst.Lambda,)):
        return False
    requests = http_call_nodes(analysis)
    stack: list[cst.CSTNode] = [value]
    while stack:
        node = stack.pop()
        if node in requests:
            continue  # a response fetched with the token is not the token
        if isinstance(node, cst.Name) and node.value in skip:
            continue
        if is_token_string(analysis, node):
            return True
        if node is value or not isinstance(node, NESTED_SCOPES):
            stack.extend(children(node))
    if isinstance(value, (cst.Call, cst.Await)):
        return _carries_token(analysis, value, 0)
    return False


def _carries_token(analysis: Analysis, expr: cst.BaseExpression, depth: int) -> bool:
    """A helper's returned value is a token string or a string / dict / tuple built from one
    (not, say, a response fetched with the token)."""
    if is_token_string(analysis, expr):
        return True
    if depth > HELPER_DEPTH:
        return False
    below = depth + 1
    parts: list[cst.BaseExpression] = []
    if isinstance(expr, cst.Dict):
        parts = [e.value for e in expr.elements if isinstance(e, cst.DictElement)]
    elif isinstance(expr, (cst.Tuple, cst.List)):
        parts = [e.value for e in expr.elements]
    elif isinstance(expr, cst.FormattedString):
        parts = [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
    elif isinstance(expr, cst.ConcatenatedString) or (
        isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo))
    ):
        parts = [expr.left, expr.right]
    elif isinstance(expr, cst.Name):
        parts = analysis.assigned_values(expr)
    elif isinstance(expr, (cst.Call, cst.Await)):
        call = expr.expression if isinstance(expr, cst.Await) else expr
        helper = analysis.local_function(call.func) if isinstance(call, cst.Call) else None
        parts = analysis.returns_of(helper) if helper is not None else []
    return any(_carries_token(analysis, part, below) for part in parts)


def reads_token_expiry(analysis: Analysis, node: cst.CSTNode) -> bool:
    """The class ``node`` is in (or is) reads a token's expiry somewhere (``token.expires_on``,
    ``["expires_in"]``): it may renew the token it holds."""
    cls = node if isinstance(node, cst.ClassDef) else analysis.enclosing_class(node)
    return cls is not None and _class_reads_expiry(analysis, cls)


@node_fact
def _class_reads_expiry(analysis: Analysis, cls: cst.ClassDef) -> bool:
    for node in sub_expressions(cls, nested=True):
        if isinstance(node, cst.Attribute) and node.attr.value.lower() in TOKEN_EXPIRY_WORDS:
            return True
        if isinstance(node, cst.SimpleString):
            text = node.raw_value.lower()
            if text in TOKEN_EXPIRY_WORDS:
                return True
    return False


@node_fact
def token_origin(analysis: Analysis, expr: cst.CSTNode) -> TokenOrigin:
    """Which token requests ``expr`` may hold the token of, and through which same-module helper
    calls (following local names, ``self`` attributes and helpers' returns, not a response
    fetched with the token), and the one service and library they all agree on."""
    paths = frozenset(_paths(analysis, expr))
    services = {_path_service(analysis, path) for path in paths}
    libraries = {_request_library(analysis, path[-1]) for path in paths}
    return TokenOrigin(
        paths,
        services.pop() if len(services) == 1 else None,
        libraries.pop() if len(libraries) == 1 else None,
    )


def _paths(analysis: Analysis, expr: cst.CSTNode) -> set[TokenPath]:
    responses = http_call_nodes(analysis)
    found: set[TokenPath] = set()
    seen: set[tuple[cst.CSTNode, TokenPath]] = set()
    stack: list[tuple[cst.CSTNode, TokenPath, int]] = [(expr, (), 0)]
    while stack:
        node, via, hops = stack.pop()
        if (node, via) in seen:
            continue
        seen.add((node, via))
        if node in responses:
            continue  # a response fetched with a token holds no token
        if isinstance(node, cst.Call) and _request_library(analysis, node) is not None:
            found.add((*via, node))
            continue
        if node is not expr and isinstance(node, NESTED_SCOPES):
            continue
        following: list[cst.BaseExpression] = []
        deeper = via
        if isinstance(node, cst.Name):
            following = reaching_values(analysis, node)
        elif isinstance(node, cst.Attribute):
            stack.append((node.value, via, hops))  # never the attribute's own name
            following = analysis.attribute_values(node)
        elif isinstance(node, cst.Call):
            helper = analysis.local_function(node.func)
            if helper is not None:
                following, deeper = analysis.returns_of(helper), (*via, node)
            elif is_token_string(analysis, node):
                found.add((*via, node))  # another module's helper: the token, its request unseen
                continue
            if isinstance(node.func, cst.Attribute):  # "Bearer {}".format(token)
                stack.append((node.func.value, via, hops))
            stack.extend((a.value, via, hops) for a in node.args)
        else:
            stack.extend((child, via, hops) for child in children(node))
        if hops < ORIGIN_HOPS:
            stack.extend((value, deeper, hops + 1) for value in following)
    return found


def _platform_token_call(analysis: Analysis, call: cst.Call) -> bool:
    found = platform_calls(analysis).get(call)
    return found is not None and not found.read


def _request_library(analysis: Analysis, call: cst.Call) -> str | None:
    """The library a token request is made with, when ``call`` is one."""
    if _platform_token_call(analysis, call):
        return "platform"
    receiver = analysis.receiver(call)
    method = analysis.method_name(call) or ""
    if receiver is None:
        return None
    for tag in analysis.types_of(receiver):
        category = kvtypes.category(tag)
        if category == "credential" and method in ("get_token", "get_token_info"):
            return "azure-identity"
        if category == "msal-app" and method.startswith("acquire_token"):
            return "msal"
        if category == "adal-context" and method.startswith("acquire_token"):
            return "adal"
    return None


@module_fact
def _values_by_request(analysis: Analysis) -> dict[cst.Call, list[TokenValue]]:
    out: dict[cst.Call, list[TokenValue]] = {}
    for value in token_requests(analysis):
        if value.call is not None and value.strong:
            out.setdefault(value.call, []).append(value)
    return out


def _request_service(analysis: Analysis, call: cst.Call) -> str | None:
    """The service every audience of the request is for (None: unknown, or several)."""
    values = _values_by_request(analysis).get(call, [])
    platform = any(value.context == "platform" for value in values)
    return _service(analysis, [value.folded.text for value in values], platform)


def _service(analysis: Analysis, texts: list[str], platform: bool) -> str | None:
    services: set[str | None] = set()
    for text in texts:
        text = text.strip()
        if platform and text.lower() in PLATFORM_TOKEN_AUDIENCES:
            services.add(PLATFORM_TOKEN_AUDIENCES[text.lower()])
            continue
        audience = classify_audience(text, analysis.extra_vault_hosts)
        services.add(audience_service(audience) if audience is not None else None)
    return services.pop() if len(services) == 1 else None


def _path_service(analysis: Analysis, path: TokenPath) -> str | None:
    """The request's service; when its audience is a parameter of the helper it is in, the
    argument the path's call passes (``get_token_for(GRAPH)``), through nested helpers too."""
    request = path[-1]
    service = _request_service(analysis, request)
    if service is not None:
        return service
    platform = _platform_token_call(analysis, request)
    found = arg(request, "audience" if platform else "scopes", 0)
    expr = found.value if found is not None else None
    for call in reversed(path[:-1]):
        expr = _argument_for(analysis, expr, call) if expr is not None else None
        if expr is None:
            return None
        texts = [folded.text for folded in fold_elements(analysis, expr)]
        service = _service(analysis, texts, platform) if texts else None
        if service is not None:
            return service
    return None


def _argument_for(
    analysis: Analysis, expr: cst.BaseExpression, call: cst.Call
) -> cst.BaseExpression | None:
    """The argument ``call`` passes for the parameter ``expr`` names or starts with
    (``scope``, ``[scope]``, ``f"{resource}/.default"``, ``resource + "/.default"``)."""
    if isinstance(expr, (cst.List, cst.Tuple)) and len(expr.elements) == 1:
        expr = expr.elements[0].value
    if isinstance(expr, cst.FormattedString) and expr.parts:
        first = expr.parts[0]
        if isinstance(first, cst.FormattedStringExpression):
            expr = first.expression
    elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        expr = expr.left
    if not isinstance(expr, cst.Name):
        return None
    function = analysis.local_function(call.func)
    params = [
        b.node
        for b in analysis.bindings(expr.value, expr)
        if b.kind == "param" and isinstance(b.node, cst.Param)
    ]
    if (
        function is None
        or len(params) != 1
        or analysis.enclosing_function(params[0]) is not function
    ):
        return None
    names = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
    if isinstance(call.func, cst.Attribute) and names[:1] in (["self"], ["cls"]):
        names = names[1:]
    name = expr.value
    for argument in call.args:
        if argument.keyword is not None and argument.keyword.value == name:
            return argument.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if name in names and names.index(name) < len(positional):
        return positional[names.index(name)].value
    default = params[0].default
    return default if default is not None and not any(a.star for a in call.args) else None
