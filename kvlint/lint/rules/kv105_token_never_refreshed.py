"""KV105 keyvault-token-never-refreshed: an access token captured once and reused until it expires."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.construction import (
    constructing_method,
    instance_target,
    on_self,
    reassigned_later,
)
from kvlint.lint.facts.http import header_updates
from kvlint.lint.facts.loops import loops_of
from kvlint.lint.facts.token_origin import (
    TokenOrigin,
    TokenPath,
    holds_token,
    reads_token_expiry,
    token_origin,
)
from kvlint.lint.facts.urls import KEY_VAULT
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

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


def during(method: cst.FunctionDef) -> str:
    """When an object's method that runs once per object runs."""
    name = method.name.value
    return "in __init__" if name == "__init__" else f"in {name}(), called only from __init__"


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
                if holds_token(analysis, value, pinned if named else frozenset()):
                    if isinstance(target, cst.Name):
                        pinned.add(target.value)
                        if not first(value):
                            continue
                    where = "module" if scope.kind == "module" else "class"
                    yield Report("KV105", value, captured(token_origin(analysis, value), where))
                continue
            stored = instance_target(target)
            if stored is None or not holds_token(analysis, value):
                continue
            method = constructing_method(analysis, stmt)
            if (
                method is None
                or reads_token_expiry(analysis, method)  # it may renew the token
                or reassigned_later(analysis, target, stmt)
            ):
                continue
            if stored.startswith("self.") and not first(value):
                continue
            origin = token_origin(analysis, value)
            yield Report("KV105", value, stored_message(origin, stored, during(method)))
        # session.headers.update({"Authorization": ... token ...}) at module level, or on
        # self.<session> while the object is constructed
        for update in header_updates(analysis):
            if update.headers is None:
                continue
            if analysis.enclosing_function(update.call) is None:
                where = "at import time"
            elif (
                on_self(update.owner)
                and (method := constructing_method(analysis, update.call)) is not None
                and not reads_token_expiry(analysis, method)
            ):
                where = during(method)
            else:
                continue
            if holds_token(analysis, update.headers):
                origin = token_origin(analysis, update.headers)
                yield Report("KV105", update.headers, session_message(origin, where))
