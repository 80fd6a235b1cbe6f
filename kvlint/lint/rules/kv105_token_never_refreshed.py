"""KV105 keyvault-token-never-refreshed: an access token captured once and reused until it expires."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.http import http_call_nodes
from kvlint.lint.facts.loops import loops_of
from kvlint.lint.facts.token_origin import TokenOrigin, TokenPath, is_token_string, token_origin
from kvlint.lint.facts.urls import KEY_VAULT
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.dataflow import callers, sub_expressions
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.walk import children

TOKEN_EXPIRY_WORDS = ("expires_on", "expires_in", "expireson", "refresh_on", "expiresin")
NESTED_SCOPES = (cst.Lambda, cst.FunctionDef, cst.ClassDef)
MAX_HELPER_DEPTH = 3  # helper -> helper -> token: how far a returned token is followed
# Services a token opens connections to (no HTTP): an expired token fails the next login.
DATABASES = ("Azure SQL", "Azure Synapse SQL", "Azure Database for PostgreSQL/MySQL")


def captured(origin: TokenOrigin, where: str) -> str:
    """A token string held by a module- or class-level variable."""
    if origin.service == KEY_VAULT:
        return (
            f"access token captured once at {where} level and reused: it expires (typically "
            f"after 60-90 minutes) and Key Vault then answers 401. {_fix(origin)}"
        )
    service = origin.service
    fails = (
        f"{service} then refuses new connections"
        if service in DATABASES
        else f"{service or 'the service'} then answers 401"
    )
    return (
        f"access token{_for(origin)} captured once at {where} level and reused: {fails} once "
        f"the token expires (about an hour). {_fix(origin)}"
    )


def stored_message(origin: TokenOrigin, stored: str, during: str) -> str:
    """A token string stored on the object while it is constructed."""
    service = origin.service
    if service == KEY_VAULT:
        fails = "after it expires every Key Vault call gets 401"
    elif service in DATABASES:
        fails = f"after it expires (about an hour) {service} refuses every new connection"
    elif service is not None:
        fails = f"after it expires (about an hour) every {service} call gets 401"
    else:
        fails = "after it expires (about an hour) every request made with it gets 401"
    return (
        f"access token{_for(origin)} stored in {stored} {during} and never refreshed (nothing "
        f"in the class reads expires_on / expires_in): {fails}. {_fix(origin)}"
    )


def session_message(origin: TokenOrigin, where: str) -> str:
    """A token string pinned in an HTTP session's default headers."""
    service = origin.service
    if service == KEY_VAULT and origin.library in (None, "azure-identity"):
        return (
            f"access token pinned in a session's default headers {where}: it expires "
            f"(typically after 60-90 minutes) and every later request gets 401. Set the "
            f"Authorization header per request from credential.get_token() (cached and "
            f"refreshed by azure-identity), or use the Key Vault SDK clients."
        )
    later = "request" if service in (None, KEY_VAULT) else f"{service} request"
    expiry = "typically after 60-90 minutes" if service == KEY_VAULT else "about an hour"
    return (
        f"access token{_for(origin)} pinned in a session's default headers {where}: it expires "
        f"({expiry}) and every later {later} gets 401. Set the Authorization header per "
        f"request instead. {_fix(origin)}"
    )


def _for(origin: TokenOrigin) -> str:
    return f" for {origin.service}" if origin.service not in (None, KEY_VAULT) else ""


def _fix(origin: TokenOrigin) -> str:
    """How to ask for the token so that it is refreshed, by the library it comes from."""
    vault = origin.service == KEY_VAULT
    if origin.library == "msal":
        fix = (
            "call msal's acquire_token_silent() (or acquire_token_for_client()) when the token "
            "is needed: msal caches tokens and refreshes them"
        )
    elif origin.library == "adal":
        fix = (
            "ask for the token where it is used, with azure-identity's get_token() or msal's "
            "acquire_token_silent(), which cache and refresh it (ADAL is retired)"
        )
    elif origin.library == "platform":
        fix = "call getToken() again each time the token is needed"
    elif origin.service in DATABASES:
        fix = (
            "keep the credential and call get_token() each time a connection is opened "
            "(azure-identity caches and refreshes; SQLAlchemy: in a do_connect event)"
        )
    elif origin.library == "azure-identity" or vault:
        fix = (
            "keep the credential and call get_token() when needed (azure-identity caches and "
            "refreshes)"
        )
        if not vault:
            fix += "; an Azure SDK client takes the credential itself, not a token"
    else:
        fix = (
            "ask for the token where it is used: a credential's get_token() (azure-identity "
            "caches and refreshes) or msal's acquire_token_silent()"
        )
    fix = fix[0].upper() + fix[1:]
    if not vault:
        return f"{fix}."
    if origin.library == "platform":
        return f"{fix}, or read secrets with credentials.getSecret()."
    return f"{fix}, or use the Key Vault SDK clients."


class TokenNeverRefreshed(Rule):
    code = "KV105"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        # One finding per cause: a module-level ``HEADERS = {"Authorization": TOKEN}`` built from
        # an already reported ``TOKEN = ....token`` is the same pinned token, not a second one;
        # so is ``self.token = token`` in a helper whose result ``__init__`` also stores. (Pinning
        # it into a session's headers is reported: that is a second place to fix.)
        pinned: set[str] = set()
        reported: set[TokenPath] = set()  # how the tokens reported come from their requests

        def first(value: cst.BaseExpression) -> bool:
            origin = token_origin(analysis, value)
            if origin.within(reported):
                return False
            reported.update(origin.paths)
            return True

        for target, value, stmt in analysis.index.assignments:
            scope = analysis.scope_of(stmt)
            if scope.kind in ("module", "class"):
                if loops_of(analysis, stmt):
                    continue  # asked for again on every iteration: not captured once
                named = isinstance(target, cst.Name)
                if _holds_token(analysis, value, pinned if named else set()):
                    if isinstance(target, cst.Name):
                        pinned.add(target.value)
                        if not first(value):
                            continue
                    where = "module" if scope.kind == "module" else "class"
                    yield Report("KV105", value, captured(token_origin(analysis, value), where))
                continue
            stored = _instance_target(target)
            if stored is None or not _holds_token(analysis, value, set()):
                continue
            during = self._construction_only(analysis, stmt)
            if during is None or _reassigned_later(analysis, target, stmt):
                continue
            if stored.startswith("self.") and not first(value):
                continue
            origin = token_origin(analysis, value)
            yield Report("KV105", value, stored_message(origin, stored, during))
        yield from self._pinned_session_headers(analysis)

    def _pinned_session_headers(self, analysis: Analysis) -> Iterator[Report]:
        """``session.headers.update({"Authorization": ... token ...})`` at module level, or on
        ``self.<session>`` while the object is constructed."""
        for call in analysis.index.calls:
            func = call.func
            if not (
                isinstance(func, cst.Attribute)
                and func.attr.value == "update"
                and isinstance(func.value, cst.Attribute)
                and func.value.attr.value == "headers"
                and call.args
            ):
                continue
            if analysis.enclosing_function(call) is None:
                where = "at import time"
            elif _on_self(func.value):
                found = self._construction_only(analysis, call)
                if found is None:
                    continue
                where = found
            else:
                continue
            headers = call.args[0].value
            if _holds_token(analysis, headers, set()):
                origin = token_origin(analysis, headers)
                yield Report("KV105", headers, session_message(origin, where))

    @staticmethod
    def _construction_only(analysis: Analysis, node: cst.CSTNode) -> str | None:
        """``in __init__`` (or ``in _helper(), called only from __init__``) when ``node`` runs
        once per object of a class that never reads a token's expiry; else None."""
        function = analysis.enclosing_function(node)
        cls = analysis.enclosing_class(node)
        if function is None or cls is None or analysis.enclosing_class(function) is not cls:
            return None
        if not _runs_once_per_object(analysis, function, cls, 0):
            return None
        if _class_checks_expiry(analysis, cls):
            return None
        name = function.name.value
        return "in __init__" if name == "__init__" else f"in {name}(), called only from __init__"


def _runs_once_per_object(
    analysis: Analysis, function: cst.FunctionDef, cls: cst.ClassDef | None, depth: int
) -> bool:
    """``__init__``, or a method of ``cls`` whose every same-module call is ``self.<method>()``
    in such a method (so nothing calls it again later to refresh)."""
    if function.name.value == "__init__":
        return True
    if depth >= MAX_HELPER_DEPTH:
        return False
    calls = callers(analysis, function)
    if not calls or _referenced_elsewhere(analysis, function, calls):
        return False
    for call in calls:
        caller = analysis.enclosing_function(call)
        if caller is None or analysis.enclosing_class(caller) is not cls:
            return False
        if not _runs_once_per_object(analysis, caller, cls, depth + 1):
            return False
    return True


def _referenced_elsewhere(
    analysis: Analysis, function: cst.FunctionDef, calls: list[cst.Call]
) -> bool:
    """The method's name appears other than as the callee of ``calls`` (handed to a timer, a
    scheduler or a retry hook, or called through another name): it may run again."""
    callees = {call.func for call in calls}
    name = function.name.value
    cls = analysis.enclosing_class(function)
    for call in analysis.index.calls:
        if analysis.enclosing_class(call) is not cls:
            continue
        for argument in call.args:
            for node in sub_expressions(argument.value):
                if (
                    isinstance(node, cst.Attribute)
                    and node.attr.value == name
                    and node not in callees
                ):
                    return True
    return False


def _reassigned_later(analysis: Analysis, target: cst.BaseExpression, stmt: cst.CSTNode) -> bool:
    """``self.x`` (or ``self.<session>.headers[...]``) is assigned again by a method that runs
    after construction (``def refresh(self): self.token = ...``): the token is renewed."""
    text = analysis.module.code_for_node(target)
    cls = analysis.enclosing_class(stmt)
    for other, _, other_stmt in analysis.index.assignments:
        if other_stmt is stmt or analysis.enclosing_class(other_stmt) is not cls:
            continue
        if _instance_target(other) is None or analysis.module.code_for_node(other) != text:
            continue
        function = analysis.enclosing_function(other_stmt)
        if function is None or not _runs_once_per_object(analysis, function, cls, 0):
            return True
    return False


def _on_self(expr: cst.BaseExpression) -> bool:
    """``self.x`` / ``self.x.y``: state of the object."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name) and expr.value == "self"


def _instance_target(target: cst.BaseExpression) -> str | None:
    """``self.x`` for ``self.x = ...``; ``self.x.headers`` for ``self.x.headers[...] = ...``."""
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        if target.value.value == "self":
            return f"self.{target.attr.value}"
        return None
    if (
        isinstance(target, cst.Subscript)
        and isinstance(target.value, cst.Attribute)
        and target.value.attr.value == "headers"
        and _on_self(target.value)
    ):
        return "a session's default headers"
    return None


def _holds_token(
    analysis: Analysis, value: cst.BaseExpression, pinned: set[str], depth: int = 0
) -> bool:
    """``value`` holds a token string, other than through a name already reported; a call of a
    same-module helper holds one when the helper returns a token or a value built from one
    (``return {"Authorization": f"Bearer {token.token}"}``)."""
    if isinstance(value, (cst.Lambda,)):
        return False
    requests = http_call_nodes(analysis)
    stack: list[cst.CSTNode] = [value]
    while stack:
        node = stack.pop()
        if node in requests:
            continue  # a response fetched with the token is not the token
        if isinstance(node, cst.Name) and node.value in pinned:
            continue
        if is_token_string(analysis, node):
            return True
        if node is value or not isinstance(node, NESTED_SCOPES):
            stack.extend(children(node))
    if isinstance(value, (cst.Call, cst.Await)):
        return _carries_token(analysis, value, depth)
    return False


def _carries_token(analysis: Analysis, expr: cst.BaseExpression, depth: int) -> bool:
    """A helper's returned value is a token string or a string / dict / tuple built from one
    (not, say, a response fetched with the token)."""
    if is_token_string(analysis, expr):
        return True
    if depth > MAX_HELPER_DEPTH:
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


def _class_checks_expiry(analysis: Analysis, cls: cst.ClassDef) -> bool:
    for node in sub_expressions(cls, nested=True):
        if isinstance(node, cst.Attribute) and node.attr.value.lower() in TOKEN_EXPIRY_WORDS:
            return True
        if isinstance(node, cst.SimpleString):
            text = node.raw_value.lower()
            if text in TOKEN_EXPIRY_WORDS:
                return True
    return False
