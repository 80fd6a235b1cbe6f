"""Calls that reach Key Vault (SDK client methods, raw HTTP to a vault URL, the data platforms'
secret utilities of :mod:`kvlint.lint.facts.platforms`), constructors of clients and
credentials, authentication callbacks and accessor functions.

Nothing here matches a bare method name: a call is a Key Vault call only when its receiver is
traced to a Key Vault client, or its URL folds to a Key Vault host.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.http import HttpCall, http_calls
from kvlint.lint.facts.passing import vault_url_passed
from kvlint.lint.facts.platforms import platform_calls
from kvlint.lint.facts.urls import is_keyvault_url
from kvlint.lint.semantic.dataflow import derives_from
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg, keywords
from kvlint.lint.semantic.values import int_value


@dataclass(frozen=True)
class KvCall:
    """A call that reaches Key Vault: an SDK client method or a raw HTTP request."""

    call: cst.Call
    method: str  # SDK method name, or the HTTP verb
    read: bool  # get_* / list_* on a client, or a raw GET
    http: HttpCall | None = None  # set for raw HTTP calls
    # a raw request whose URL is a parameter of its function: the call site passing a vault URL
    via: str | None = None
    # a call of a helper that makes the read (kvlint.lint.facts.helper_reads): its name
    helper: str | None = None

    @property
    def name_args(self) -> list[cst.BaseExpression]:
        """The expressions that pick what is read (SDK call arguments, or the URL)."""
        if self.http is not None:
            return [self.http.url] if self.http.url is not None else []
        return [a.value for a in self.call.args]


@module_fact
def kv_calls(analysis: Analysis) -> list[KvCall]:
    """Every Key Vault call in the module."""
    return list(_kv_calls(analysis))


def _kv_calls(analysis: Analysis) -> Iterator[KvCall]:
    http_by_call: dict[cst.Call, tuple[HttpCall, str | None]] = {}
    for http in http_calls(analysis):
        text = http.url_text(analysis)
        if text and is_keyvault_url(analysis, text):
            http_by_call[http.call] = (http, None)
        elif (via := vault_url_passed(analysis, http)) is not None:
            http_by_call[http.call] = (http, via)
    platform = platform_calls(analysis)  # dbutils / mssparkutils / Azure ML reads
    for call in analysis.index.calls:
        on_platform = platform.get(call)
        if on_platform is not None:
            if on_platform.read:
                yield KvCall(call, on_platform.api, True)
            continue
        found = http_by_call.get(call)
        if found is not None:
            http, via = found
            verb = http_verb(analysis, http)
            yield KvCall(call, verb, verb == "get", http, via)
            continue
        func = call.func
        if isinstance(func, cst.Attribute) and analysis.is_a(func.value, "kv-client"):
            method = func.attr.value
            yield KvCall(call, method, method.startswith(kvtypes.KV_READ_PREFIXES))


def http_verb(analysis: Analysis, http: HttpCall) -> str:
    if http.method == "request":
        verb = arg(http.call, "method", 0)
        text = analysis.fold_str(verb.value) if verb is not None else None
        return text.lower() if text else "request"
    if http.method == "urlopen":
        return "post" if http.body is not None else "get"
    return http.method


@module_fact
def kv_constructors(analysis: Analysis) -> list[tuple[cst.Call, str]]:
    """Calls constructing a Key Vault client or a credential, with their type tag."""
    out = []
    for call in analysis.index.calls:
        qual = analysis.callee(call)
        tag = kvtypes.constructed(qual) if qual else None
        if tag and kvtypes.category(tag) in ("kv-client", "credential"):
            out.append((call, tag))
    return out


@module_fact
def auth_callbacks(analysis: Analysis) -> set[cst.FunctionDef]:
    """Functions handed to track-1 ``KeyVaultAuthentication``: called for every request."""
    out = set()
    for call in analysis.index.calls:
        if (analysis.callee(call) or "").endswith("KeyVaultAuthentication"):
            for argument in call.args:
                target = analysis.local_function(argument.value)
                if target is not None:
                    out.add(target)
    return out


def accessor_reads(analysis: Analysis, function: cst.FunctionDef) -> list[KvCall]:
    """Reads in ``function`` whose name/URL comes from one of its parameters: the function is
    a reusable accessor (``get_secret(name)``)."""
    params = function.params
    names = {
        p.name.value
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        if p.name.value not in ("self", "cls")
    }
    if not names:
        return []
    scope = analysis.index.scopes.get(function)
    out = []
    for kv in kv_calls(analysis):
        if not kv.read or analysis.enclosing_function(kv.call) is not function:
            continue

        def from_param(node: cst.CSTNode) -> bool:
            return (
                isinstance(node, cst.Name)
                and node.value in names
                and scope is not None
                and any(b.kind == "param" for b in scope.bindings.get(node.value, ()))
            )

        if any(derives_from(analysis, a, from_param) for a in kv.name_args):
            out.append(kv)
    return out


HSM_CREATE_METHODS = ("create_rsa_key", "create_ec_key")


HSM_KEY_TYPE_MEMBERS = ("rsa_hsm", "ec_hsm")  # azure.keyvault.keys.KeyType


HSM_KEY_TYPE_VALUES = ("RSA-HSM", "EC-HSM")


def creates_hsm_key(analysis: Analysis, kv: KvCall) -> bool:
    """An HSM-protected key creation (``hardware_protected=True``, an ``*-HSM`` key type)."""
    kw = keywords(kv.call)
    if kv.method in HSM_CREATE_METHODS:
        hardware = kw.get("hardware_protected")
        return hardware is not None and int_value(analysis, hardware.value) == 1
    if kv.method == "create_key":
        key_type = arg(kv.call, "key_type", 1)
        return key_type is not None and _is_hsm_key_type(analysis, key_type.value)
    return False


def _is_hsm_key_type(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value.lower() in HSM_KEY_TYPE_MEMBERS
    if isinstance(expr, cst.Name) and analysis.fold_str(expr) is None:
        return any(_is_hsm_key_type(analysis, v) for v in analysis.assigned_values(expr))
    return (analysis.fold_str(expr) or "").upper() in HSM_KEY_TYPE_VALUES
