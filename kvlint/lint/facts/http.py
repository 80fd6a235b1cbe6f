"""Raw HTTP calls (requests / httpx / aiohttp / urllib3 / urllib.request, module functions and
session methods) with their URL, headers and auth; which headers a request carries."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kvlint import keyvault
from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.urls import MANAGED_IDENTITY_ENV, is_keyvault_url, token_endpoint
from kvlint.lint.semantic.dataflow import derives_from
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg, keywords
from kvlint.lint.semantic.values import env_lookup_name, fold_elements, parse_url


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


@module_fact
def http_calls(analysis: Analysis) -> list[HttpCall]:
    """Every raw HTTP call in the module."""
    found = (_http_call(analysis, call) for call in analysis.index.calls)
    return [http for http in found if http is not None]


@module_fact
def http_call_nodes(analysis: Analysis) -> frozenset[cst.Call]:
    """The calls of :func:`http_calls`, for membership tests."""
    return frozenset(http.call for http in http_calls(analysis))


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
        body=body.value if (body := kw.get("data") or kw.get("json")) is not None else None,
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
        if not isinstance(element, cst.DictElement):  # **other
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


@dataclass(frozen=True)
class HeaderUpdate:
    """``<owner>.headers.update(<headers>)``: default headers set on a session or client."""

    call: cst.Call
    owner: cst.BaseExpression  # whose headers: ``session``, ``self.session``
    headers: cst.BaseExpression | None  # the first argument


@module_fact
def header_updates(analysis: Analysis) -> list[HeaderUpdate]:
    """Every ``<x>.headers.update(...)`` in the module, in order."""
    out = []
    for call in analysis.index.calls:
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "update"
            and isinstance(func.value, cst.Attribute)
            and func.value.attr.value == "headers"
        ):
            headers = call.args[0].value if call.args else None
            out.append(HeaderUpdate(call, func.value.value, headers))
    return out


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
    for update in header_updates(analysis):
        if _names(update.owner) == name:
            keys = header_keys(analysis, update.headers) if update.headers is not None else None
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


def managed_identity_kind(analysis: Analysis, http: HttpCall) -> str | None:
    """``imds`` for a request to the IMDS token endpoint (or to a passed-in URL with IMDS's
    ``Metadata`` header asking for a ``resource``), the environment variable for one to the App
    Service / Functions endpoint (``IDENTITY_ENDPOINT`` / ``MSI_ENDPOINT``), else None."""
    if http.url is None:
        return None
    text = http.url_text(analysis)
    if text and token_endpoint(text) == "imds":
        return "imds"
    found: list[str] = []

    def is_env(node: cst.CSTNode) -> bool:
        name = env_lookup_name(analysis, node)
        if name in MANAGED_IDENTITY_ENV:
            found.append(name)
            return True
        return False

    if derives_from(analysis, http.url, is_env):
        return found[0]
    if text is None and _imds_shaped(analysis, http):
        return "imds"  # the URL is passed in; "Metadata: true" is IMDS's own header
    return None


def missing_identity_header(analysis: Analysis, http: HttpCall, kind: str) -> str | None:
    """The header a managed identity token request (of :func:`managed_identity_kind` ``kind``)
    lacks, so that the endpoint rejects it: IMDS's ``Metadata``, App Service's
    ``X-IDENTITY-HEADER`` (or the older ``secret``); None when it is there (or unknown)."""
    header = "Metadata" if kind == "imds" else "X-IDENTITY-HEADER"
    if has_header(analysis, http, header) or (
        kind != "imds" and has_header(analysis, http, "secret")
    ):
        return None
    return header


SHELL_RUNNERS = (
    "os.popen",
    "os.system",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
)
SHELL_HTTP_TOOLS = ("curl ", "wget ", "invoke-restmethod", "invoke-webrequest")


@module_fact
def shell_token_requests(analysis: Analysis) -> list[cst.Call]:
    """Managed identity tokens fetched by shelling out to an HTTP tool: ``os.popen('curl
    "$IDENTITY_ENDPOINT?resource=..." -H secret:...')``, IMDS's URL in a subprocess command."""
    out = []
    for call in analysis.index.calls:
        if analysis.callee(call) not in SHELL_RUNNERS or not call.args:
            continue
        command = call.args[0].value
        text = " ".join(f.text for f in fold_elements(analysis, command)).lower()
        if not any(tool in text for tool in SHELL_HTTP_TOOLS):
            continue
        from_env = derives_from(
            analysis,
            command,
            lambda n: env_lookup_name(analysis, n) in MANAGED_IDENTITY_ENV,
        )
        if "169.254.169.254/metadata/identity/oauth2/token" in text or from_env:
            out.append(call)
    return out


def identity_url(analysis: Analysis, expr: cst.BaseExpression) -> str | None:
    """``imds`` when ``expr`` is the IMDS token endpoint's URL, the environment variable when
    it comes from ``IDENTITY_ENDPOINT`` / ``MSI_ENDPOINT``, else None."""
    folded = analysis.fold(expr)
    if folded is not None and token_endpoint(folded.text) == "imds":
        return "imds"
    if "_ENDPOINT" not in analysis.source:
        return None  # no IDENTITY_ENDPOINT / MSI_ENDPOINT lookup in this module
    found: list[str] = []

    def is_env(node: cst.CSTNode) -> bool:
        name = env_lookup_name(analysis, node)
        if name in MANAGED_IDENTITY_ENV:
            found.append(name)
            return True
        return False

    return found[0] if derives_from(analysis, expr, is_env) else None


def _imds_shaped(analysis: Analysis, http: HttpCall) -> bool:
    """A request to an unknown URL with IMDS's ``Metadata`` header asking for a ``resource``."""
    headers = header_keys(analysis, http.headers) or set()
    params = header_keys(analysis, http.params) if http.params is not None else None
    return "metadata" in headers and "resource" in (params or ())


# Entra ID authority hosts (every cloud's, plus the legacy login.windows.net / sts.windows.net).
AUTHORITY_HOSTS = frozenset(
    {cloud.authority_host for cloud in keyvault.CLOUDS}
    | {"login.windows.net", "sts.windows.net", "login.partner.microsoftonline.cn"}
)


@module_fact
def token_endpoint_calls(analysis: Analysis) -> set[cst.Call]:
    """Raw HTTP token requests to Azure: managed identity endpoints, and Entra ID's
    ``/oauth2/token`` / ``/oauth2/v2.0/token`` (on an Entra authority host; other OAuth servers'
    tokens are not Azure's). Their JSON answer carries an ``access_token``."""
    out = set()
    for http in http_calls(analysis):
        text = http.url_text(analysis)
        if managed_identity_kind(analysis, http):
            out.add(http.call)
        elif text and token_endpoint(text) in ("v1", "v2"):
            url = parse_url(text)
            if url is not None and url.host in AUTHORITY_HOSTS:
                out.add(http.call)
    return out


# -- the JSON answers of raw requests (the taint model asks) ---------------------------------
def raw_token_body(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    """``requests.get(<token endpoint>).json()``: the JSON answer of a raw token request
    (managed identity endpoints, Entra ID ``/oauth2/token``), through local names."""
    request = _json_source(analysis, expr)
    return request is not None and request in token_endpoint_calls(analysis)


def _json_source(analysis: Analysis, expr: cst.BaseExpression) -> cst.Call | None:
    """The call whose ``.json()`` ``expr`` is (through local names on both sides)."""
    json_call = _through_names(analysis, expr)
    if not (isinstance(json_call, cst.Call) and analysis.method_name(json_call) == "json"):
        return None
    receiver = analysis.receiver(json_call)
    source = _through_names(analysis, receiver) if receiver is not None else None
    return source if isinstance(source, cst.Call) else None


def _through_names(analysis: Analysis, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``expr`` with local names replaced by their latest value and ``await`` removed."""
    for _ in range(4):
        if isinstance(expr, cst.Name):
            values = analysis.assigned_values(expr)
            if not values:
                return None
            expr = values[-1]
        elif isinstance(expr, cst.Await):
            expr = expr.expression
        else:
            return expr
    return None


def raw_secret_body(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    """``requests.get(<vault>/secrets/...).json()`` (through local names)."""
    analysis = analysis
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
