"""Higher-level facts shared by rule families, computed once per module and memoised.

* :func:`http_calls` — every raw HTTP call (requests / httpx / aiohttp / urllib3 /
  urllib.request, module functions and session methods) with its URL, headers and auth.
* :func:`classify_url` — what a folded URL string is: a Key Vault audience (and how it is
  written), a per-vault data-plane host, a token endpoint, another Azure audience.
* :func:`token_requests` — every place a value is used as a token resource or scope.
* :func:`derives_from` — whether an expression is computed from nodes matching a predicate
  (a small, intra-module data-flow walk through local assignments).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import libcst as cst

from kvlint import keyvault
from kvlint.lint import types as kvtypes
from kvlint.lint.analysis import Analysis, arg, keywords
from kvlint.lint.values import UNKNOWN, Folded, Span, fold_elements, parse_url

# -- URLs ----------------------------------------------------------------------------------

AUDIENCE_HOSTS = {aud.split("://", 1)[1]: cloud for aud, cloud in keyvault.AUDIENCES.items()}
OTHER_AUDIENCES = {
    "management.azure.com": "Azure Resource Manager",
    "management.core.windows.net": "Azure Resource Manager (classic)",
    "management.chinacloudapi.cn": "Azure Resource Manager (China)",
    "management.usgovcloudapi.net": "Azure Resource Manager (US Gov)",
    "graph.microsoft.com": "Microsoft Graph",
    "graph.windows.net": "Azure AD Graph",
    "storage.azure.com": "Azure Storage",
    "database.windows.net": "Azure SQL",
    "ossrdbms-aad.database.windows.net": "Azure Database for PostgreSQL/MySQL",
    "servicebus.azure.net": "Azure Service Bus",
    "eventhubs.azure.net": "Azure Event Hubs",
    "cognitiveservices.azure.com": "Azure AI services",
    "api.loganalytics.io": "Log Analytics",
    "monitor.azure.com": "Azure Monitor",
    "app.configuration.azure.com": "Azure App Configuration",
}
IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token"
MANAGED_IDENTITY_ENV = ("IDENTITY_ENDPOINT", "MSI_ENDPOINT")
_DOUBLE_SLASH_DEFAULT = re.compile(r"^/{2,}\.default$", re.IGNORECASE)


@dataclass(frozen=True)
class Audience:
    """A folded value read as a token resource / scope."""

    kind: str  # see classify_audience
    cloud: str | None = None
    base: str = ""  # scheme://host as written
    v2: bool = False  # ends in /.default


def classify_audience(text: str, extra_hosts: tuple[str, ...] = ()) -> Audience | None:
    """Classify a resource / scope value.

    Kinds: ``ok`` (an exact Key Vault / HSM audience, v1 or v2), ``trailing-slash``,
    ``double-slash``, ``http``, ``per-vault`` (a data-plane host), ``private-link``,
    ``misspelt``, ``other`` (another known Azure audience), ``unknown``.
    """
    stripped = text.strip()
    if stripped.lower().startswith(keyvault.KEY_VAULT_APP_ID):
        return Audience(
            "ok", "public", keyvault.KEY_VAULT_APP_ID, stripped.lower().endswith("/.default")
        )
    url = parse_url(stripped)
    if url is None or not url.host or UNKNOWN in url.scheme:
        return None
    base = f"{url.scheme}://{url.host}"
    path = url.path
    v2 = path.lower().endswith("/.default")
    cloud = AUDIENCE_HOSTS.get(url.host)
    if cloud is not None:
        if url.scheme == "http":
            return Audience("http", cloud, base, v2)
        if path == "" or path.lower() == "/.default":
            return Audience("ok", cloud, base, v2)
        if path.strip("/") == "":
            return Audience("trailing-slash", cloud, base, False)
        if _DOUBLE_SLASH_DEFAULT.match(path):
            return Audience("double-slash", cloud, base, True)
        return Audience("unknown", cloud, base, v2)
    host_cloud = keyvault.host_cloud(url.host.replace(UNKNOWN, "x"), extra_hosts)
    if host_cloud == "private-link":
        return Audience("private-link", None, base, v2)
    if host_cloud is not None:
        return Audience("per-vault", host_cloud, base, v2)
    if UNKNOWN in url.host:
        return None
    if url.host in OTHER_AUDIENCES or url.host.endswith(".blob.core.windows.net"):
        return Audience("other", None, base, v2)
    if "vault" in url.host or "hsm" in url.host:
        for known in AUDIENCE_HOSTS:
            if difflib.SequenceMatcher(None, url.host, known).ratio() >= 0.85:
                return Audience("misspelt", AUDIENCE_HOSTS[known], base, v2)
    return None


def is_keyvault_url(analysis: Analysis, text: str) -> str | None:
    """The cloud of a Key Vault data-plane URL (``custom`` for configured hosts), else None."""
    url = parse_url(text)
    if url is None or not url.host or url.host.strip(UNKNOWN + ".") == "":
        return None
    if url.host.startswith(UNKNOWN) and "." not in url.host:
        return None
    return keyvault.host_cloud(url.host.replace(UNKNOWN, "x"), analysis.extra_vault_hosts)


def token_endpoint(text: str) -> str | None:
    """``imds``, ``v1`` or ``v2`` for a token endpoint URL, else None."""
    url = parse_url(text)
    if url is None:
        return None
    path = url.path.lower()
    if url.host == "169.254.169.254" and path.startswith(IMDS_TOKEN_PATH):
        return "imds"
    if "/oauth2/v2.0/token" in path:
        return "v2"
    if path.endswith("/oauth2/token"):
        return "v1"
    return None


# -- data flow -----------------------------------------------------------------------------


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
        stack.extend(node.children)


def derives_from(
    analysis: Analysis,
    expr: cst.BaseExpression,
    predicate: Callable[[cst.CSTNode], bool],
    depth: int = 4,
) -> bool:
    """True when ``expr`` (or a name it is computed from, through local assignments and
    ``self.x`` attributes, up to ``depth`` hops) contains a node matching ``predicate``."""
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
                    following += analysis.assigned_values(node)
                elif isinstance(node, cst.Attribute):
                    following += analysis.attribute_values(node)
        if not following:
            return False
        frontier = following
    return False


def env_lookup_name(analysis: Analysis, node: cst.CSTNode) -> str | None:
    """``X`` for ``os.environ["X"]``, ``os.environ.get("X")``, ``os.getenv("X")``."""
    if (
        isinstance(node, cst.Subscript)
        and analysis.qualname(node.value) == "os.environ"
        and len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Index)
    ):
        return analysis.fold_str(node.slice[0].slice.value)
    if isinstance(node, cst.Call) and analysis.callee(node) in (
        "os.environ.get",
        "os.getenv",
        "os.environ.__getitem__",
    ):
        first = arg(node, "key", 0)
        return analysis.fold_str(first.value) if first is not None else None
    return None


# -- raw HTTP calls ------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpCall:
    call: cst.Call
    library: str
    method: str  # get, post, ..., "request" (method in an argument) or "urlopen"
    url: cst.BaseExpression | None
    headers: cst.BaseExpression | None
    auth: cst.BaseExpression | None
    session: cst.BaseExpression | None  # the receiver, for session / client methods
    params: cst.BaseExpression | None
    body: cst.BaseExpression | None  # data= or json=

    def url_text(self, analysis: Analysis) -> str | None:
        if self.url is None:
            return None
        folded = analysis.fold(self.url)
        return folded.text if folded is not None else None


def http_calls(analysis: Analysis) -> list[HttpCall]:
    cached = analysis.memo.get("http_calls")
    if cached is None:
        found = (_http_call(analysis, call) for call in analysis.index.calls)
        cached = [http for http in found if http is not None]
        analysis.memo["http_calls"] = cached
    return cached  # type: ignore[return-value]


def _http_call(analysis: Analysis, call: cst.Call) -> HttpCall | None:
    func = call.func
    qual = analysis.callee(call)
    library = method = None
    session = None
    if qual is not None:
        module, _, name = qual.rpartition(".")
        if name in kvtypes.HTTP_FUNCTIONS.get(module, ()):
            library, method = module, name
    if library is None and isinstance(func, cst.Attribute):
        name = func.attr.value
        if name in kvtypes.HTTP_SESSION_METHODS:
            for tag in analysis.types_of(func.value):
                if kvtypes.category(tag) == "http-session":
                    library, method, session = tag.split(":", 1)[1], name, func.value
                    break
    if library is None or method is None:
        return None
    kw = keywords(call)
    url_pos = 1 if method == "request" else 0
    url_arg = arg(call, "url", url_pos)
    headers = kw.get("headers")
    url = url_arg.value if url_arg is not None else None
    if method == "urlopen" and url is not None:
        url, headers = _urllib_request(analysis, url, headers)
    return HttpCall(
        call=call,
        library=library,
        method=method,
        url=url,
        headers=headers.value if isinstance(headers, cst.Arg) else headers,
        auth=kw["auth"].value if "auth" in kw else None,
        session=session,
        params=kw["params"].value if "params" in kw else None,
        body=(kw.get("data") or kw.get("json")).value if ("data" in kw or "json" in kw) else None,
    )


def _urllib_request(analysis: Analysis, url: cst.BaseExpression, headers):
    """Unwrap ``urlopen(Request(url, headers=...))`` (also through a local name)."""
    target = url
    if isinstance(target, cst.Name):
        values = analysis.assigned_values(target)
        target = values[-1] if values else target
    if isinstance(target, cst.Call) and analysis.callee(target) == "urllib.request.Request":
        inner_url = arg(target, "url", 0)
        inner_headers = arg(target, "headers", 2)
        return (
            inner_url.value if inner_url else None,
            inner_headers.value if inner_headers else headers,
        )
    return url, headers


def header_keys(analysis: Analysis, headers: cst.BaseExpression | None) -> set[str] | None:
    """Lower-cased header names of a headers expression; None when they cannot be known."""
    if headers is None:
        return set()
    expr = headers
    if isinstance(expr, cst.Name):
        values = analysis.assigned_values(expr)
        if len(values) != 1:
            return None
        expr = values[0]
    if isinstance(expr, cst.Call) and analysis.callee(expr) == "dict":
        names = {a.keyword.value.lower().replace("_", "-") for a in expr.args if a.keyword}
        return None if any(a.star for a in expr.args) else names
    if not isinstance(expr, cst.Dict):
        return None
    keys = set()
    for element in expr.elements:
        if isinstance(element, cst.StarredDictElement):
            return None
        key = analysis.fold_str(element.key)
        if key is None:
            return None
        keys.add(key.lower())
    # keys added later: headers["Authorization"] = ...
    if isinstance(headers, cst.Name):
        keys |= _subscript_assigned_keys(analysis, headers.value)
    return keys


def _subscript_assigned_keys(analysis: Analysis, name: str) -> set[str]:
    keys = set()
    for target, _value, _stmt in analysis.index.assignments:
        if (
            isinstance(target, cst.Subscript)
            and isinstance(target.value, cst.Name)
            and target.value.value == name
            and len(target.slice) == 1
            and isinstance(target.slice[0].slice, cst.Index)
        ):
            key = analysis.fold_str(target.slice[0].slice.value)
            if key:
                keys.add(key.lower())
    return keys


def session_has_header(analysis: Analysis, session: cst.BaseExpression, header: str) -> bool | None:
    """Whether a session / client carries ``header`` (or auth) by default; None if unknown."""
    header = header.lower()
    values: list[cst.BaseExpression] = []
    if isinstance(session, cst.Name):
        values = analysis.assigned_values(session)
        name = session.value
    elif isinstance(session, cst.Attribute):
        values = analysis.attribute_values(session)
        name = session.attr.value
    else:
        return None
    for value in values:
        if isinstance(value, cst.Call):
            kw = keywords(value)
            if "auth" in kw:
                return True
            if "headers" in kw:
                keys = header_keys(analysis, kw["headers"].value)
                if keys is None or header in keys:
                    return True
        elif not isinstance(value, cst.Call):
            return None
    # session.headers.update({...}), session.headers["X"] = ..., session.auth = ...
    for call in analysis.index.calls:
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "update"
            and isinstance(func.value, cst.Attribute)
            and func.value.attr.value == "headers"
            and _names(func.value.value) == name
        ):
            keys = header_keys(analysis, call.args[0].value) if call.args else None
            if keys is None or header in keys:
                return True
    for target, _value, _stmt in analysis.index.assignments:
        if (
            isinstance(target, cst.Attribute)
            and target.attr.value == "auth"
            and _names(target.value) == name
        ):
            return True
        if (
            isinstance(target, cst.Subscript)
            and isinstance(target.value, cst.Attribute)
            and target.value.attr.value == "headers"
            and _names(target.value.value) == name
        ):
            key = (
                analysis.fold_str(target.slice[0].slice.value)
                if isinstance(target.slice[0].slice, cst.Index)
                else None
            )
            if key is None or key.lower() == header:
                return True
    return False


def _names(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def has_header(analysis: Analysis, http: HttpCall, header: str) -> bool:
    """Whether the request carries ``header`` (unknown headers count as present)."""
    if http.auth is not None:
        return header.lower() == "authorization"
    keys = header_keys(analysis, http.headers)
    if keys is None or header.lower() in keys:
        return True
    if http.session is not None:
        return session_has_header(analysis, http.session, header) is not False
    return False


# -- token requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenValue:
    """One value used as a token resource or scope."""

    expr: cst.BaseExpression  # the expression at the use site
    folded: Folded
    context: str  # azure-identity, msal, adal, resource-kw, scopes-kw, body, query, name
    protocol: str  # "v1" (resource expected), "v2" (scope expected), "any"
    call: cst.Call | None  # the token request, when there is one
    strong: bool  # a real token request (not just a name containing "scope")


MSAL_METHODS = (
    "acquire_token_for_client",
    "acquire_token_silent",
    "acquire_token_silent_with_error",
    "acquire_token_by_authorization_code",
    "acquire_token_by_username_password",
    "acquire_token_by_device_flow",
    "acquire_token_interactive",
    "acquire_token_on_behalf_of",
    "acquire_token_by_refresh_token",
    "acquire_token_by_auth_code_flow",
    "initiate_device_flow",
    "initiate_auth_code_flow",
    "get_authorization_request_url",
)
ADAL_METHODS = (
    "acquire_token",
    "acquire_token_with_username_password",
    "acquire_token_with_client_credentials",
    "acquire_token_with_refresh_token",
    "acquire_token_with_device_code",
    "acquire_token_with_authorization_code",
    "acquire_token_with_client_certificate",
)
NAME_WORDS = ("resource", "scope", "audience")


def _is_resource_word(name: str) -> bool:
    low = name.lower()
    return any(word in low for word in NAME_WORDS)


def token_requests(analysis: Analysis) -> list[TokenValue]:
    cached = analysis.memo.get("token_requests")
    if cached is None:
        cached = list(_token_requests(analysis))
        analysis.memo["token_requests"] = cached
    return cached  # type: ignore[return-value]


def _values(
    analysis: Analysis,
    expr: cst.BaseExpression,
    context: str,
    protocol: str,
    call: cst.Call | None,
    strong: bool,
) -> Iterator[TokenValue]:
    for folded in fold_elements(analysis, expr):
        yield TokenValue(expr, folded, context, protocol, call, strong)


def _token_requests(analysis: Analysis) -> Iterator[TokenValue]:
    http_by_call = {h.call: h for h in http_calls(analysis)}
    for call in analysis.index.calls:
        method = analysis.method_name(call)
        kw = keywords(call)
        if method in ("get_token", "get_token_info"):
            for argument in call.args:
                if argument.keyword is None and argument.star != "**":
                    yield from _values(analysis, argument.value, "azure-identity", "v2", call, True)
        elif method in MSAL_METHODS or (
            (method or "").startswith("acquire_token") and "scopes" in kw
        ):
            scopes = arg(call, "scopes", 0)
            if scopes is not None:
                yield from _values(analysis, scopes.value, "msal", "v2", call, True)
        elif method in ADAL_METHODS:
            resource = arg(call, "resource", 0)
            if resource is not None:
                yield from _values(analysis, resource.value, "adal", "v1", call, True)
        http = http_by_call.get(call)
        if http is not None:
            yield from _http_token_values(analysis, http)
        for name, argument in kw.items():
            if not _is_resource_word(name) or method in ADAL_METHODS or method in MSAL_METHODS:
                continue
            if method in ("get_token", "get_token_info") or call in http_by_call:
                continue
            low = name.lower()
            strong = low in ("resource", "scopes", "credential_scopes", "scope", "audience")
            protocol = "v1" if low == "resource" else "v2" if "scope" in low else "any"
            yield from _values(analysis, argument.value, "keyword", protocol, call, strong)
    for target, value, _stmt in analysis.index.assignments:
        name = (
            target.value
            if isinstance(target, cst.Name)
            else (target.attr.value if isinstance(target, cst.Attribute) else None)
        )
        if name and _is_resource_word(name):
            yield from _values(analysis, value, "name", "any", None, False)
    for node in analysis.index.dicts:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = analysis.fold_str(element.key)
                if key and _is_resource_word(key):
                    yield from _values(analysis, element.value, "key", "any", None, False)


def _http_token_values(analysis: Analysis, http: HttpCall) -> Iterator[TokenValue]:
    """``resource`` / ``scope`` of a token request: URL query, params=, data= / json=."""
    text = http.url_text(analysis)
    endpoint = token_endpoint(text) if text else None
    if (
        endpoint is None
        and http.url is not None
        and derives_from(
            analysis, http.url, lambda n: env_lookup_name(analysis, n) in MANAGED_IDENTITY_ENV
        )
    ):
        endpoint = "imds"
    if endpoint is None:
        return
    protocol = "v2" if endpoint == "v2" else "v1"
    field = "scope" if protocol == "v2" else "resource"
    if text is not None and http.url is not None:
        url = parse_url(text)
        if url is not None and field in url.query:
            folded = analysis.fold(http.url)
            value = url.query[field]
            # the query value's characters keep pointing at the URL's literal
            start = folded.text.find(value) if folded is not None else -1
            spans = folded.spans if folded is not None and start >= 0 else ()
            yield TokenValue(
                http.url, Folded(value, _shift(spans, start)), "query", protocol, http.call, True
            )
    for container in (http.params, http.body):
        if container is None:
            continue
        element = _dict_value(analysis, container, field)
        if element is not None:
            yield from _values(analysis, element, "body", protocol, http.call, True)


def _shift(spans: tuple[Span, ...], start: int) -> tuple[Span, ...]:
    return tuple(Span(s.start - start, s.end - start, s.node) for s in spans)


def _dict_value(analysis: Analysis, container: cst.BaseExpression, key: str):
    if isinstance(container, cst.Name):
        values = analysis.assigned_values(container)
        container = values[-1] if values else container
    if isinstance(container, cst.Dict):
        for element in container.elements:
            if isinstance(element, cst.DictElement) and analysis.fold_str(element.key) == key:
                return element.value
    if isinstance(container, cst.Call) and analysis.callee(container) == "dict":
        found = arg(container, key)
        return found.value if found is not None else None
    return None
