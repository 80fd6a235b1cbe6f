"""KV1xx: why Key Vault answers 401 Unauthorized."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from kvlint import keyvault
from kvlint.lint import types as kvtypes
from kvlint.lint.analysis import Analysis
from kvlint.lint.checks import Check
from kvlint.lint.facts import (
    MANAGED_IDENTITY_ENV,
    Audience,
    TokenValue,
    classify_audience,
    derives_from,
    env_lookup_name,
    fold_elements,
    has_header,
    http_calls,
    is_keyvault_url,
    parse_url,
    sub_expressions,
    token_endpoint,
    token_requests,
)
from kvlint.lint.model import Replacement, Report

MANAGED_IDENTITY_CREDENTIALS = ("ManagedIdentityCredential",)


def _audiences(analysis: Analysis) -> Iterator[tuple[TokenValue, Audience]]:
    key = "token_audiences"
    cached = analysis.memo.get(key)
    if cached is None:
        cached = []
        for value in token_requests(analysis):
            audience = classify_audience(value.folded.text, analysis.extra_vault_hosts)
            if audience is not None:
                cached.append((value, audience))
        analysis.memo[key] = cached
    return iter(cached)  # type: ignore[arg-type]


def _where(value: TokenValue, audience: Audience) -> cst.CSTNode:
    """The literal that defines the audience part of the value, else the use site."""
    index = value.folded.text.lower().find(audience.base.lower())
    literal = value.folded.literal_at(max(index, 0))
    return literal if literal is not None else value.expr


def _rewrite_literal(node: cst.CSTNode, change) -> Replacement | None:
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


# -- audience messages and text fixes, shared with configuration-file scanning ---------------
def drop_slash(body: str) -> str:
    """KV101's fix: ``https://vault.azure.net/`` → ``…net``, ``…net//.default`` → ``…net/.default``."""
    body = re.sub(r"/{2,}(\.default)$", r"/\1", body, flags=re.IGNORECASE)
    return re.sub(r"(://[^/]+)/+$", r"\1", body)


def slash_to_scope(body: str) -> str:
    """KV101's fix where a v2 scope is expected: drop the slash and append ``/.default``."""
    return drop_slash(body) + "/.default"


def add_default(body: str) -> str:
    """KV103's fix: append ``/.default``."""
    return body.rstrip("/") + "/.default"


def slash_message(written: str, audience: Audience) -> str:
    scope = f"{audience.base}/.default"
    return (
        f"Key Vault token {'scope' if audience.kind == 'double-slash' else 'resource'} "
        f"'{written}' has a stray '/': Key Vault rejects the token with 401 AKV10022 "
        f"(Invalid audience). Use the scope '{scope}' (or the v1 resource "
        f"'{audience.base}')."
    )


def wrong_audience_message(written: str, audience: Audience) -> str | None:
    """KV102's message for a value that is not an audience at all, else None."""
    right = _right_audience(audience)
    if audience.kind in ("per-vault", "private-link"):
        what = "a vault's own URL" if audience.kind == "per-vault" else ("a private-link host")
        return (
            f"'{written}' is {what}, not a token audience: Azure AD rejects it "
            f"(AADSTS500011) or Key Vault answers 401. Request '{right}/.default' "
            f"for every vault in this cloud."
        )
    if audience.kind == "http":
        return f"'{written}' uses http://: the Key Vault audience is '{right}' (scope '{right}/.default')."
    if audience.kind == "misspelt":
        return (
            f"'{written}' is not a Key Vault audience (misspelt?): use '{right}' "
            f"(scope '{right}/.default')."
        )
    return None


def missing_default_message(written: str, audience: Audience) -> str:
    return (
        f"'{written}' is a v1 resource where a v2 scope is required: the token request "
        f"fails (AADSTS70011 invalid scope) or returns no Key Vault token. Use "
        f"'{audience.base}/.default'."
    )


class ResourceTrailingSlash(Check):
    codes = ("KV101",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        bad = [
            (value, audience, _where(value, audience))
            for value, audience in _audiences(analysis)
            if audience.kind in ("trailing-slash", "double-slash")
        ]
        # how each literal is used: a literal only ever used as a v2 scope is fixed to the scope
        protocols: dict[cst.CSTNode, set[str]] = {}
        for value, _audience, node in bad:
            protocols.setdefault(node, set()).add(value.protocol)
        for value, audience, node in bad:
            message = slash_message(value.folded.text.strip(), audience)
            safe = value.folded.sole_literal() is node
            to_scope = (
                safe
                and audience.kind == "trailing-slash"
                and "v2" in protocols[node]
                and "v1" not in protocols[node]
            )
            fix = _rewrite_literal(node, slash_to_scope if to_scope else drop_slash)
            yield Report(
                "KV101", node, message, (fix,) if fix else (), "safe" if safe else "unsafe"
            )


class WrongAudience(Check):
    codes = ("KV102",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        yield from self._bad_values(analysis)
        yield from self._other_audience_sent_to_vault(analysis)
        yield from self._cloud_mismatch(analysis)

    def _bad_values(self, analysis: Analysis) -> Iterator[Report]:
        for value, audience in _audiences(analysis):
            if not value.strong:
                continue
            node = _where(value, audience)
            written = value.folded.text.strip()
            message = wrong_audience_message(written, audience)
            if message is not None:
                yield Report("KV102", node, message)
            elif (
                audience.kind == "ok"
                and audience.v2
                and value.protocol == "v1"
                and (value.context in ("adal", "query", "body", "keyword"))
            ):
                yield Report(
                    "KV102",
                    node,
                    (
                        f"'{written}' is a v2 scope but this token request takes a v1 resource: "
                        f"the token's audience becomes '{written}' and Key Vault answers 401. "
                        f"Pass the resource '{audience.base}'."
                    ),
                )

    def _other_audience_sent_to_vault(self, analysis: Analysis) -> Iterator[Report]:
        """A token for ARM / Graph / ... attached to a request to a Key Vault URL."""
        sends = [
            http
            for http in http_calls(analysis)
            if (text := http.url_text(analysis))
            and is_keyvault_url(analysis, text)
            and http.headers is not None
        ]
        if not sends:
            return
        for value, audience in _audiences(analysis):
            if audience.kind != "other" or value.call is None or not value.strong:
                continue
            function = analysis.enclosing_function(value.call)
            for http in sends:
                if analysis.enclosing_function(http.call) is not function:
                    continue
                request = value.call
                if derives_from(analysis, http.headers, lambda n, r=request: n is r):
                    yield Report(
                        "KV102",
                        _where(value, audience),
                        (
                            f"a token for '{audience.base}' is sent to a Key Vault URL: Key Vault "
                            f"answers 401 (wrong audience). Request the token for "
                            f"'https://vault.azure.net/.default' (the vault's cloud audience)."
                        ),
                    )
                    break

    def _cloud_mismatch(self, analysis: Analysis) -> Iterator[Report]:
        vault_clouds = {
            cloud
            for call in analysis.index.calls
            for a in call.args
            if (folded := analysis.fold(a.value)) is not None
            and (cloud := is_keyvault_url(analysis, folded.text)) in keyvault.CLOUDS_BY_NAME
        }
        if len(vault_clouds) != 1:
            return
        (vault_cloud,) = vault_clouds
        used = [(v, a) for v, a in _audiences(analysis) if a.kind == "ok" and v.strong]
        if any(audience.cloud == vault_cloud for _, audience in used):
            return  # the module requests this cloud's audience too: it is multi-cloud aware
        for value, audience in used:
            if audience.cloud != vault_cloud:
                expected = keyvault.CLOUDS_BY_NAME[vault_cloud].vault_audience
                yield Report(
                    "KV102",
                    _where(value, audience),
                    (
                        f"'{audience.base}' is the {audience.cloud} cloud's Key Vault audience, but "
                        f"this module's vaults are in the {vault_cloud} cloud: Key Vault answers 401. "
                        f"Use '{expected}/.default'."
                    ),
                )


def _right_audience(audience: Audience) -> str:
    cloud = keyvault.CLOUDS_BY_NAME.get(audience.cloud or "public", keyvault.CLOUDS[0])
    return cloud.vault_audience


class ScopeMissingDefault(Check):
    codes = ("KV103",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for value, audience in _audiences(analysis):
            if audience.kind != "ok" or audience.v2 or not self._needs_scope(analysis, value):
                continue
            node = _where(value, audience)
            written = value.folded.text.strip()
            fix = _rewrite_literal(node, add_default)
            safe = value.folded.sole_literal() is node
            yield Report(
                "KV103",
                node,
                missing_default_message(written, audience),
                (fix,) if fix else (),
                "safe" if safe else "unsafe",
            )

    @staticmethod
    def _needs_scope(analysis: Analysis, value: TokenValue) -> bool:
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
            return bool(credentials) and not all(
                c in MANAGED_IDENTITY_CREDENTIALS for c in credentials
            )
        return False


class RequestWithoutToken(Check):
    codes = ("KV104",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for http in http_calls(analysis):
            text = http.url_text(analysis)
            if not text or not is_keyvault_url(analysis, text):
                continue
            if not has_header(analysis, http, "Authorization"):
                host = parse_url(text)
                shown = host.host.replace("\x00", "…") if host else "the vault"
                yield Report(
                    "KV104",
                    http.call,
                    (
                        f"raw {http.library} request to Key Vault ({shown}) without an Authorization "
                        f"header: Key Vault answers 401. Use azure-keyvault-secrets/keys/certificates "
                        f"(they authenticate and retry), or send 'Authorization: Bearer <token>' "
                        f"for 'https://vault.azure.net/.default'."
                    ),
                )


TOKEN_EXPIRY_WORDS = ("expires_on", "expires_in", "expireson", "refresh_on", "expiresin")


class TokenNeverRefreshed(Check):
    codes = ("KV105",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        yield from self._pinned_session_headers(analysis)
        for target, value, stmt in analysis.index.assignments:
            scope = analysis.scope_of(stmt)
            if scope.kind in ("module", "class"):
                if self._holds_token(analysis, value):
                    where = "module" if scope.kind == "module" else "class"
                    yield Report(
                        "KV105",
                        value,
                        (
                            f"access token captured once at {where} level and reused: it expires "
                            f"(typically after 60-90 minutes) and Key Vault then answers 401. Keep "
                            f"the credential and call get_token() when needed (azure-identity "
                            f"caches and refreshes), or use the Key Vault SDK clients."
                        ),
                    )
            elif (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == "self"
                and self._holds_token(analysis, value)
            ):
                function = analysis.enclosing_function(stmt)
                cls = analysis.enclosing_class(stmt)
                if function is None or function.name.value != "__init__" or cls is None:
                    continue
                if self._class_checks_expiry(analysis, cls):
                    continue
                yield Report(
                    "KV105",
                    value,
                    (
                        f"access token stored in self.{target.attr.value} in __init__ and never "
                        f"refreshed (nothing in the class reads expires_on / expires_in): after it "
                        f"expires every Key Vault call gets 401. Store the credential and call "
                        f"get_token() per use (azure-identity caches tokens and refreshes them)."
                    ),
                )

    def _pinned_session_headers(self, analysis: Analysis) -> Iterator[Report]:
        """``session.headers.update({"Authorization": ... token ...})`` at module level."""
        for call in analysis.index.calls:
            func = call.func
            if not (
                isinstance(func, cst.Attribute)
                and func.attr.value == "update"
                and isinstance(func.value, cst.Attribute)
                and func.value.attr.value == "headers"
                and call.args
                and analysis.enclosing_function(call) is None
            ):
                continue
            if self._holds_token(analysis, call.args[0].value):
                yield Report(
                    "KV105",
                    call.args[0].value,
                    (
                        "access token pinned in a session's default headers at import time: it "
                        "expires (typically after 60-90 minutes) and every later request gets 401. "
                        "Set the Authorization header per request from credential.get_token() "
                        "(cached and refreshed by azure-identity), or use the Key Vault SDK clients."
                    ),
                )

    @staticmethod
    def _holds_token(analysis: Analysis, value: cst.BaseExpression) -> bool:
        if isinstance(value, (cst.Lambda,)):
            return False
        for node in sub_expressions(value):
            if isinstance(node, cst.BaseExpression) and any(
                kvtypes.category(t) == "token-string" for t in analysis.types_of(node)
            ):
                return True
        return False

    @staticmethod
    def _class_checks_expiry(analysis: Analysis, cls: cst.ClassDef) -> bool:
        for node in sub_expressions(cls, nested=True):
            if isinstance(node, cst.Attribute) and node.attr.value.lower() in TOKEN_EXPIRY_WORDS:
                return True
            if isinstance(node, cst.SimpleString):
                text = node.raw_value.lower()
                if text in TOKEN_EXPIRY_WORDS:
                    return True
        return False


DEPRECATED_MODULES = {
    "adal": "ADAL (adal) is retired; use azure-identity or MSAL",
    "msrestazure.azure_active_directory": (
        "msrestazure's credentials are retired; use azure-identity"
    ),
    "azure.common.credentials": "azure.common.credentials is retired; use azure-identity",
}
TRACK1_KEYVAULT = {
    "KeyVaultClient",
    "KeyVaultAuthentication",
    "KeyVaultId",
    "AccessToken",
    "key_vault_client",
    "key_vault_id",
    "key_vault_authentication",
    "http_bearer_challenge",
    "http_bearer_challenge_cache",
    "http_challenge",
    "models",
    "version",
}


class DeprecatedAuthLibrary(Check):
    codes = ("KV106",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for node in analysis.index.imports:
            reason = self._reason(node)
            if reason:
                yield Report(
                    "KV106",
                    node,
                    (
                        f"{reason}: it no longer receives fixes, does not cache or refresh tokens the "
                        f"way Key Vault expects and mishandles sovereign clouds. Migrate to "
                        f"azure-identity with azure-keyvault-secrets/keys/certificates."
                    ),
                )

    @staticmethod
    def _reason(node: cst.Import | cst.ImportFrom) -> str | None:
        from kvlint.lint.analysis import _dotted

        if isinstance(node, cst.Import):
            for alias in node.names:
                name = _dotted(alias.name) or ""
                for module, reason in DEPRECATED_MODULES.items():
                    if name == module or name.startswith(module + "."):
                        return reason
                parts = name.split(".")
                if (
                    parts[:2] == ["azure", "keyvault"]
                    and len(parts) > 2
                    and (parts[2] in TRACK1_KEYVAULT)
                ):
                    return "track-1 azure.keyvault (KeyVaultClient) is retired"
            return None
        if node.relative:
            return None
        module = _dotted(node.module) or ""
        names = (
            []
            if isinstance(node.names, cst.ImportStar)
            else [_dotted(a.name) or "" for a in node.names]
        )
        for deprecated, reason in DEPRECATED_MODULES.items():
            if module == deprecated or module.startswith(deprecated + "."):
                return reason
            if deprecated.startswith(module + ".") and deprecated.rsplit(".", 1)[1] in names:
                return reason
        if module == "azure.keyvault" and (
            isinstance(node.names, cst.ImportStar) or any(n in TRACK1_KEYVAULT for n in names)
        ):
            return "track-1 azure.keyvault (KeyVaultClient) is retired"
        parts = module.split(".")
        if parts[:2] == ["azure", "keyvault"] and len(parts) > 2 and parts[2] in TRACK1_KEYVAULT:
            return "track-1 azure.keyvault (KeyVaultClient) is retired"
        return None


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


class HandRolledManagedIdentity(Check):
    codes = ("KV107",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        yield from self._shell_requests(analysis)
        for http in http_calls(analysis):
            if http.url is None:
                continue
            text = http.url_text(analysis)
            kind = None
            if text and token_endpoint(text) == "imds":
                kind = "imds"
            else:
                found: list[str] = []

                def is_env(node, found=found):
                    name = env_lookup_name(analysis, node)
                    if name in MANAGED_IDENTITY_ENV:
                        found.append(name)
                        return True
                    return False

                if derives_from(analysis, http.url, is_env):
                    kind = found[0]
            if kind is None:
                continue
            header = "Metadata" if kind == "imds" else "X-IDENTITY-HEADER"
            missing = ""
            if not has_header(analysis, http, header) and not (
                kind != "imds" and has_header(analysis, http, "secret")
            ):
                missing = (
                    f" The request also lacks the '{header}' header, so the endpoint rejects it."
                )
            endpoint = "the IMDS token endpoint" if kind == "imds" else f"${kind}"
            yield Report(
                "KV107",
                http.call,
                (
                    f"hand-rolled managed identity token request to {endpoint}: no retry, no "
                    f"caching, no refresh. Use azure.identity.ManagedIdentityCredential (or "
                    f"DefaultAzureCredential) with get_token('https://vault.azure.net/.default')."
                    f"{missing}"
                ),
            )

    def _shell_requests(self, analysis: Analysis) -> Iterator[Report]:
        """``os.popen('curl "$IDENTITY_ENDPOINT?resource=..." -H secret:...')`` and friends."""
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
            if "169.254.169.254/metadata/identity/oauth2/token" not in text and not from_env:
                continue
            yield Report(
                "KV107",
                call,
                (
                    "managed identity token fetched by shelling out to an HTTP tool: no retry, no "
                    "caching, no refresh, and the token passes through a subprocess. Use "
                    "azure.identity.ManagedIdentityCredential (or DefaultAzureCredential) with "
                    "get_token('https://vault.azure.net/.default')."
                ),
            )


CHECKS = [
    ResourceTrailingSlash,
    WrongAudience,
    ScopeMissingDefault,
    RequestWithoutToken,
    TokenNeverRefreshed,
    DeprecatedAuthLibrary,
    HandRolledManagedIdentity,
]
