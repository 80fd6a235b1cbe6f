"""Call-site propagation: a generic helper whose request URL is one of its parameters makes a
Key Vault call when a caller passes it a Key Vault URL.

``def fetch(url, token): return requests.get(url, ...)`` is no Key Vault call by itself;
``fetch(f"{VAULT}/secrets/db", token)`` makes it one. :func:`url_parameter` finds the
parameter a URL starts with (the URL is the parameter, or is built from it at its start);
:func:`vault_url_passed` looks at the helper's callers in the same module, and at what other
modules of the project said they pass (``Analysis.incoming``, filled by the runner's second
pass from :func:`kvlint.lint.facts.outgoing.vault_urls_passed_out`).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from kvlint.lint.facts.http import HttpCall, http_calls, managed_identity_kind
from kvlint.lint.facts.urls import is_keyvault_url
from kvlint.lint.semantic.dataflow import callers
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg, keywords

URLJOIN = ("urllib.parse.urljoin", "requests.compat.urljoin", "posixpath.join")
MAX_URL_HOPS = 6


def url_parameter(
    analysis: Analysis, expr: cst.BaseExpression | None, depth: int = 0
) -> cst.Param | None:
    """The parameter of the enclosing function that a URL starts with: the URL is the
    parameter, or is built from it at its start (f-string, ``+``, ``%``, ``.format``,
    ``urljoin``, string methods, through local names). Only the start counts: a parameter in
    the path of a fixed host does not make the host a vault."""
    if expr is None or depth > MAX_URL_HOPS:
        return None
    below = depth + 1
    if isinstance(expr, cst.Name):
        bindings = analysis.bindings(expr.value, expr)
        if bindings and bindings[-1].kind == "param" and isinstance(bindings[-1].node, cst.Param):
            param = bindings[-1].node
            return param if param.name.value not in ("self", "cls") else None
        values = analysis.assigned_values(expr)
        return url_parameter(analysis, values[-1], below) if values else None
    if isinstance(expr, cst.FormattedString):
        first = expr.parts[0] if expr.parts else None
        if isinstance(first, cst.FormattedStringExpression):
            return url_parameter(analysis, first.expression, below)
        return None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
        if isinstance(expr.operator, cst.Modulo):
            template = analysis.fold(expr.left)
            if template is not None and template.text.startswith("%s"):
                right = expr.right
                leading = right.elements[0].value if isinstance(right, cst.Tuple) else right
                return url_parameter(analysis, leading, below)
            return None
        return url_parameter(analysis, expr.left, below)
    if isinstance(expr, cst.Call):
        return _call_parameter(analysis, expr, below)
    return None


def _call_parameter(analysis: Analysis, expr: cst.Call, below: int) -> cst.Param | None:
    func = expr.func
    if (analysis.callee(expr) or "") in URLJOIN and expr.args:
        return url_parameter(analysis, expr.args[0].value, below)
    if isinstance(func, cst.Attribute) and func.attr.value == "format":
        template = analysis.fold(func.value)
        if template is None:
            return url_parameter(analysis, func.value, below)
        if template.text.startswith(("{}", "{0}")) and expr.args:
            return url_parameter(analysis, expr.args[0].value, below)
        if template.text.startswith("{"):
            field = template.text[1:].split("}", 1)[0]
            named = keywords(expr).get(field)
            return url_parameter(analysis, named.value, below) if named else None
        return None
    if isinstance(func, cst.Attribute) and func.attr.value in ("rstrip", "strip", "lower"):
        return url_parameter(analysis, func.value, below)
    return None


def holds_vault_url(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    """Whether ``expr`` folds to a Key Vault URL (unknown parts allowed: ``f"{v}.vault…"``)."""
    folded = analysis.fold(expr)
    return folded is not None and bool(is_keyvault_url(analysis, folded.text))


def parameter_argument(
    function: cst.FunctionDef, param: cst.Param, call: cst.Call, method: bool
) -> cst.BaseExpression | None:
    """The argument a call passes for ``param`` of ``function`` (``method``: called as
    ``self.f(...)``, so the first parameter is bound already)."""
    params = function.params
    positional = [*params.posonly_params, *params.params]
    if param in positional:
        index = positional.index(param) - (1 if method else 0)
        found = arg(call, param.name.value if param in params.params else None, index)
    else:
        found = arg(call, param.name.value)
    if found is None or found.star:
        return None
    return found.value


def vault_url_passed(analysis: Analysis, http: HttpCall) -> str | None:
    """For a request whose URL comes from a parameter, the call site that passes a Key Vault
    URL for it (this module's calls, or those another module reported), described."""
    function = analysis.enclosing_function(http.call)
    if function is None:
        return None
    param = url_parameter(analysis, http.url)
    if param is None:
        return None
    for site in callers(analysis, function):
        method = isinstance(site.func, cst.Attribute)
        value = parameter_argument(function, param, site, method)
        if value is not None and holds_vault_url(analysis, value):
            line = analysis.line_of(site)
            return f"{function.name.value}() is called with a Key Vault URL on line {line}"
    incoming = analysis.incoming
    top = analysis.enclosing_function(function) is None
    if incoming and top and analysis.enclosing_class(function) is None:
        return incoming.get(f"{function.name.value}:{param.name.value}")
    return None


def helper_url_arguments(
    analysis: Analysis, wanted: Callable[[cst.BaseExpression], bool]
) -> list[tuple[cst.Call, str, cst.BaseExpression]]:
    """Calls of a first-party helper that sends a raw request to a URL parameter, passing a
    value ``wanted`` accepts for it: the call, the helper's name, and the value (same module:
    the helper's own requests, unless one is a managed-identity request by itself; another
    module: what its summary says). Only the arguments a helper sends a request to are
    folded (asking every argument of every call was a fifth of a dense module's rule time)."""
    params: dict[cst.FunctionDef, list[cst.Param]] = {}
    reported: set[cst.FunctionDef] = set()  # the helper's own request is reported there
    for http in http_calls(analysis):
        function = analysis.enclosing_function(http.call)
        param = url_parameter(analysis, http.url) if function is not None else None
        if function is not None and param is not None:
            params.setdefault(function, []).append(param)
            if managed_identity_kind(analysis, http) is not None:
                reported.add(function)
    out = []
    for call in analysis.index.calls:
        if not call.args:
            continue
        target = analysis.local_function(call.func)
        if target is not None:
            method = isinstance(call.func, cst.Attribute)
            for param in params.get(target, ()) if target not in reported else ():
                value = parameter_argument(target, param, call, method)
                if value is not None and wanted(value):
                    out.append((call, target.name.value, value))
            continue
        if analysis.qualname(call.func) is None:
            continue
        symbol = analysis.imported(call.func, "function")
        for use in symbol.http if symbol is not None else ():
            found = arg(call, use.url_param if use.by_keyword else None, use.url_index)
            if found is not None and not found.star and wanted(found.value):
                out.append((call, analysis.qualname(call.func) or "", found.value))
    return out
