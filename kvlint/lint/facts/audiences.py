"""Token audiences: every value used as a token resource or scope, and what it is.

:func:`token_requests` finds the values (``get_token`` scopes, MSAL scopes, ADAL resources,
``resource=`` / ``scopes=`` keywords, the query or body of a raw token request, and names / dict
keys containing resource, scope or audience). :func:`uses` gives the rules one
:class:`AudienceUse` per classified value, from a Python module or from a configuration file
(:mod:`kvlint.lint.sources.config` yields the same facts), so KV101-KV103 have one
implementation for both.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import libcst as cst

from kvlint import keyvault
from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.http import HttpCall, http_calls
from kvlint.lint.facts.platforms import TOKEN_ALIASES, platform_token_audiences
from kvlint.lint.facts.urls import (
    MANAGED_IDENTITY_ENV,
    Audience,
    classify_audience,
    is_keyvault_url,
    token_endpoint,
)
from kvlint.lint.rule import Replacement, Report, TextSpan
from kvlint.lint.semantic.dataflow import derives_from
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg, keywords
from kvlint.lint.semantic.values import Folded, Span, env_lookup_name, fold_elements, parse_url

MANAGED_IDENTITY_CREDENTIALS = ("ManagedIdentityCredential",)


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


def is_resource_word(name: str) -> bool:
    """A name that says it holds a token resource or scope (``KV_SCOPE``, ``resource``)."""
    low = name.lower()
    return any(word in low for word in NAME_WORDS)


@module_fact
def token_requests(analysis: Analysis) -> list[TokenValue]:
    """Every value used as a token resource or scope in the module."""
    return list(_token_requests(analysis))


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
            if not is_resource_word(name) or method in ADAL_METHODS or method in MSAL_METHODS:
                continue
            if method in ("get_token", "get_token_info") or call in http_by_call:
                continue
            low = name.lower()
            strong = low in ("resource", "scopes", "credential_scopes", "scope", "audience")
            protocol = "v1" if low == "resource" else "v2" if "scope" in low else "any"
            yield from _values(analysis, argument.value, "keyword", protocol, call, strong)
    for call, audience in platform_token_audiences(analysis):  # mssparkutils getToken(...)
        yield from _values(analysis, audience, "platform", "any", call, True)
    for target, value, _stmt in analysis.index.assignments:
        assigned = (
            target.value
            if isinstance(target, cst.Name)
            else (target.attr.value if isinstance(target, cst.Attribute) else None)
        )
        if assigned and is_resource_word(assigned):
            yield from _values(analysis, value, "name", _word_protocol(assigned), None, False)
    for node in analysis.index.dicts:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = analysis.fold_str(element.key)
                if key and is_resource_word(key):
                    protocol = _word_protocol(key)
                    yield from _values(analysis, element.value, "key", protocol, None, False)


def _word_protocol(name: str) -> str:
    """What a name promises its value is: ``KV_SCOPE`` a v2 scope, ``RESOURCE`` a v1
    resource (``AUDIENCE``: either)."""
    low = name.lower()
    if "scope" in low and "resource" not in low:
        return "v2"
    if "resource" in low and "scope" not in low:
        return "v1"
    return "any"


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


# -- classified uses, for the rules --------------------------------------------------------


@dataclass(frozen=True)
class AudienceUse:
    """A value used as a token audience, classified, with where to report and fix it."""

    written: str  # the value as written, stripped
    audience: Audience
    node: cst.CSTNode | TextSpan  # the literal defining the audience (else the use site)
    strong: bool  # the value is the token's audience itself (not just a name with "scope")
    needs_scope: bool  # a v2 scope is required here (KV103)
    to_scope: bool  # KV101's fix should produce a scope (``.../.default``)
    safe: bool  # a fix is safe: the literal is the whole value
    value: TokenValue | None = None  # Python: the token request the value comes from
    text: str = ""  # a configuration value: its decoded text
    inner: TextSpan | None = None  # a configuration value: its characters, when verbatim
    subject: str | None = None  # what its finding's fingerprint names (default: the source text)

    def report(self, code: str, message: str, change: Callable[[str], str] | None = None) -> Report:
        """A report on the value, with the fix ``change`` makes to its text (if any)."""
        fix = self.rewrite(change) if change is not None else ()
        return Report(
            code, self.node, message, fix, "safe" if self.safe else "unsafe", self.subject
        )

    def rewrite(self, change: Callable[[str], str]) -> tuple[Replacement, ...]:
        """The edit that applies ``change`` to the value's literal, if it can be made."""
        if isinstance(self.node, TextSpan):
            fixed = change(self.text)
            if self.inner is None or fixed == self.text:
                return ()
            return (Replacement(self.inner, fixed),)
        fix = rewrite_literal(self.node, change)
        return (fix,) if fix else ()


class AudienceSource(Protocol):
    """A non-Python file that yields audience facts (a configuration file)."""

    def audience_uses(self) -> list[AudienceUse]: ...


def uses(module: Analysis | AudienceSource) -> list[AudienceUse]:
    """The classified audience values of a Python module or a configuration file."""
    if isinstance(module, Analysis):
        return python_uses(module)
    return module.audience_uses()


SLASH_KINDS = ("trailing-slash", "double-slash")


@module_fact
def all_token_audiences(analysis: Analysis) -> list[tuple[TokenValue, Audience]]:
    """Every token value whose text is a recognisable audience, imported ones included (what
    a token is asked for: KV106 asks whether adal serves only other services)."""
    out = []
    for value in token_requests(analysis):
        audience = classify_audience(value.folded.text, analysis.extra_vault_hosts)
        written = value.folded.text.strip()
        if value.context == "platform" and written.lower() in TOKEN_ALIASES:
            audience = Audience("other", None, written, False)  # getToken("Storage")
        if audience is not None:
            out.append((value, audience))
    return out


@module_fact
def token_audiences(analysis: Analysis) -> list[tuple[TokenValue, Audience]]:
    """The token values whose text is a recognisable audience, with their classification, as
    this module reports them."""
    out = []
    for value, audience in all_token_audiences(analysis):
        if value.folded.elsewhere and (
            audience.kind != "ok" or audience.v2 or not needs_scope(analysis, value)
        ):
            # a value imported from a module whose own rules report it where it is; but only
            # this module knows when it is used where a v2 scope is required (KV103)
            continue
        out.append((value, audience))
    return out


@module_fact
def python_uses(analysis: Analysis) -> list[AudienceUse]:
    found = [(v, a, where(v, a)) for v, a in token_audiences(analysis)]
    # how each literal is used: a literal only ever used as a v2 scope is fixed to the scope
    protocols: dict[cst.CSTNode, set[str]] = {}
    for value, audience, node in found:
        if audience.kind in SLASH_KINDS:
            protocols.setdefault(node, set()).add(value.protocol)
    out = []
    for value, audience, node in found:
        if value.folded.elsewhere:
            node = value.expr  # defined in another module: reported at its use here
        safe = value.folded.sole_literal() is node
        to_scope = (
            safe
            and audience.kind == "trailing-slash"
            and "v2" in protocols[node]
            and "v1" not in protocols[node]
        )
        scope = audience.kind == "ok" and not audience.v2 and needs_scope(analysis, value)
        out.append(
            AudienceUse(
                value.folded.text.strip(),
                audience,
                node,
                value.strong,
                scope,
                to_scope,
                safe,
                value,
            )
        )
    return out


def where(value: TokenValue, audience: Audience) -> cst.CSTNode:
    """The literal that defines the audience part of the value, else the use site."""
    index = value.folded.text.lower().find(audience.base.lower())
    literal = value.folded.literal_at(max(index, 0))
    return literal if literal is not None else value.expr


def rewrite_literal(node: cst.CSTNode, change: Callable[[str], str]) -> Replacement | None:
    """Replace a plain string literal's text by ``change(text)`` when it has no escapes."""
    if not isinstance(node, cst.SimpleString):
        return None
    body = node.raw_value
    try:
        if node.evaluated_value != body:
            return None
    except Exception:
        return None
    new_body = change(body)
    if new_body == body or node.quote in new_body:
        return None
    prefix = node.value[: len(node.prefix)]  # as written: libcst's .prefix is lower-cased
    return Replacement(node, f"{prefix}{node.quote}{new_body}{node.quote}")


def needs_scope(analysis: Analysis, value: TokenValue) -> bool:
    """The token request takes a v2 scope (``.../.default``), not a v1 resource."""
    if value.context == "msal" or (value.context == "body" and value.protocol == "v2"):
        return True
    if value.context == "keyword" and value.call is not None:
        return any(
            a.keyword is not None
            and a.keyword.value == "credential_scopes"
            and a.value is value.expr
            for a in value.call.args
        )
    if value.context == "azure-identity" and value.call is not None:
        receiver = analysis.receiver(value.call)
        tags = analysis.types_of(receiver) if receiver is not None else frozenset()
        credentials = [t.split(":", 1)[1] for t in tags if kvtypes.category(t) == "credential"]
        return bool(credentials) and not all(c in MANAGED_IDENTITY_CREDENTIALS for c in credentials)
    return False


def takes_resource(value: TokenValue) -> bool:
    """The token request takes a v1 resource (ADAL, IMDS / App Service ``resource=``, a v1
    ``/oauth2/token`` body): a v2 scope given there becomes the token's audience as written."""
    return value.protocol == "v1" and value.context in ("adal", "query", "body", "keyword")


@module_fact
def sent_to_vault(analysis: Analysis) -> list[tuple[TokenValue, Audience]]:
    """Tokens requested for another service (ARM, Graph, ...) whose request's result reaches
    the headers of a request to a Key Vault URL in the same function."""
    sends = [
        http
        for http in http_calls(analysis)
        if (text := http.url_text(analysis))
        and is_keyvault_url(analysis, text)
        and http.headers is not None
    ]
    if not sends:
        return []
    out = []
    for value, audience in token_audiences(analysis):
        if audience.kind != "other" or value.call is None or not value.strong:
            continue
        function = analysis.enclosing_function(value.call)
        for http in sends:
            if http.headers is None or analysis.enclosing_function(http.call) is not function:
                continue
            if derives_from(analysis, http.headers, partial(operator.is_, value.call), flow=True):
                out.append((value, audience))
                break
    return out


@module_fact
def other_cloud_audiences(analysis: Analysis) -> tuple[str, list[tuple[TokenValue, Audience]]]:
    """The one cloud of the Key Vault URLs the module's calls are given, and the Key Vault
    audiences it requests for another cloud; ``("", [])`` when its vaults are in no cloud or
    several, or it also requests that cloud's audience (it is multi-cloud aware)."""
    used = [(v, a) for v, a in token_audiences(analysis) if a.kind == "ok" and v.strong]
    if not used:
        return "", []  # no Key Vault audience requested here: nothing to compare (and every
        # call argument need not be folded)
    vault_clouds = {
        cloud
        for call in analysis.index.calls
        for a in call.args
        if (folded := analysis.fold(a.value)) is not None
        and (cloud := is_keyvault_url(analysis, folded.text)) in keyvault.CLOUDS_BY_NAME
    }
    if len(vault_clouds) != 1:
        return "", []
    (vault_cloud,) = vault_clouds
    if any(audience.cloud == vault_cloud for _, audience in used):
        return "", []  # the module requests this cloud's audience too
    return vault_cloud, [(v, a) for v, a in used if a.cloud != vault_cloud]
