"""``kvlint token``: decode an access token offline and say why Key Vault would reject it.

The token is decoded locally (base64url, no signature check, no network) and is never printed:
output and error messages show at most its first characters and its length.

Public API, shared with ``kvlint audit --token``:

- :func:`load` reads a token argument (raw JWT, ``Bearer …``, an ``Authorization:`` header line,
  ``az account get-access-token`` JSON, ``-`` for stdin, ``@FILE``) and returns a :class:`Token`;
- :func:`diagnose` checks decoded claims against Key Vault's expectations and returns
  :class:`Finding` objects (KVT101 to KVT105).

``--acquire`` obtains a token with ``DefaultAzureCredential`` (imported only on that path) through
:func:`make_credential`, which tests replace with a double (there is no Azure AD here).
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from kvlint import catalog, keyvault
from kvlint.errors import EXIT_FINDINGS, EXIT_OK, KvlintError
from kvlint.redact import SHOWN_PREFIX

DEFAULT_SKEW = timedelta(minutes=5)
PUBLIC_AUDIENCE = keyvault.CLOUDS_BY_NAME["public"].vault_audience

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_AUTHORIZATION = re.compile(r"authorization\s*:\s*(?:bearer\s+)?([A-Za-z0-9._~+/=-]+)", re.I)
_BEARER = re.compile(r"^bearer(\s+|$)", re.I)
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_USER_ASSIGNED = "/providers/microsoft.managedidentity/userassignedidentities/"
_JSON_TOKEN_KEYS = ("accessToken", "access_token", "token")
# appidacr (v1) / azpacr (v2): how the client application proved its identity.
# DefaultAzureCredential's error lists one "\t<Credential>: <why>" line per attempt.
_ATTEMPT = re.compile(r"^\t(\w+): (.+)$", re.M)
_UNAVAILABLE = re.compile(r"unavailable|not found|not installed|could not be found|requires", re.I)
_CLIENT_AUTH = {"0": "public client (no secret)", "1": "client secret", "2": "certificate"}


@dataclass(frozen=True)
class Token:
    """A decoded JWT. Only a short prefix of the encoded form is kept, for display."""

    header: dict[str, Any]
    claims: dict[str, Any]
    prefix: str
    length: int

    @property
    def redacted(self) -> str:
        return f"{self.prefix}… ({self.length} characters)"  # as redact.masked shows it


@dataclass(frozen=True)
class Finding:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        rule = catalog.get(self.code)
        return {
            "code": self.code,
            "name": rule.name,
            "severity": rule.severity,
            "message": self.message,
        }


@dataclass(frozen=True)
class VaultTarget:
    host: str
    cloud: keyvault.Cloud
    audience: str


# --- reading and decoding ----------------------------------------------------------------------


def read_input(value: str | None, stdin: TextIO | None = None) -> str:
    """The text behind a token argument: the value itself, ``-``/nothing (stdin) or ``@FILE``."""
    if value is None or value == "-":
        stream = stdin if stdin is not None else sys.stdin
        if stream is None or (value is None and stream.isatty()):
            raise KvlintError(
                "no token given: pass it as an argument, '-' to read stdin, @FILE, or use --acquire"
            )
        return stream.read()
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            return path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise KvlintError(f"cannot read token file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise KvlintError(f"cannot read token file {path}: not a text file") from None
    return value


def _shown(text: str) -> str:
    """How an input may appear in a message: a JWT-looking prefix, never the whole value."""
    if text.startswith("eyJ"):
        return f"input '{text[:SHOWN_PREFIX]}…', {len(text)} characters"
    return f"input of {len(text)} characters"


def _extract(text: str) -> str:
    """The bare JWT inside raw text, a Bearer value, a header line or token-response JSON."""
    text = text.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            raise KvlintError(
                f"not a JWT: {_shown(text)} starts with '{{' but is not JSON"
            ) from None
        found = (
            [document.get(key) for key in _JSON_TOKEN_KEYS] if isinstance(document, dict) else []
        )
        token = next((value for value in found if isinstance(value, str)), None)
        if token is None:
            keys = " / ".join(_JSON_TOKEN_KEYS)
            raise KvlintError(f"not a JWT: the JSON input has no {keys} field")
        text = token.strip()
    header = _AUTHORIZATION.search(text)
    if header:
        return header.group(1)
    text = text.strip("'\"").strip()
    text = _BEARER.sub("", text, count=1)
    return "".join(text.strip("'\"").split())  # a token wrapped over several lines


def _decode_segment(segment: str, what: str, text: str) -> dict[str, Any]:
    unpadded = segment.rstrip("=")
    if not _SEGMENT.fullmatch(segment) or len(unpadded) % 4 == 1:
        raise KvlintError(f"not a JWT ({_shown(text)}): the {what} is not base64url")
    raw = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise KvlintError(f"not a JWT ({_shown(text)}): the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise KvlintError(f"not a JWT ({_shown(text)}): the {what} is not a JSON object")
    return value


def parse(text: str) -> Token:
    """Decode a token given as text (see :func:`_extract` for the accepted wrappings)."""
    jwt = _extract(text)
    if not jwt:
        raise KvlintError("no token given: the input is empty")
    parts = jwt.split(".")
    if len(parts) == 5:
        raise KvlintError(
            f"not a JWT ({_shown(jwt)}): five parts is an encrypted token (JWE); "
            "Key Vault access tokens are signed JWTs with three parts"
        )
    if len(parts) != 3:
        raise KvlintError(
            f"not a JWT ({_shown(jwt)}): expected three dot-separated parts "
            f"(header.payload.signature), found {len(parts)}"
        )
    header = _decode_segment(parts[0], "header", jwt)
    claims = _decode_segment(parts[1], "payload", jwt)
    return Token(header=header, claims=claims, prefix=jwt[:SHOWN_PREFIX], length=len(jwt))


def load(value: str | None, stdin: TextIO | None = None) -> Token:
    """Read and decode a token argument: ``JWT``, ``Bearer JWT``, ``-``, ``@FILE``."""
    return parse(read_input(value, stdin))


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the host
        return ""


def vault_target(url: str) -> VaultTarget:
    """The host, cloud and required audience of a vault or Managed HSM URL (or bare host)."""
    text = url.strip()
    host = _host(text if "//" in text else "https://" + text)
    found = keyvault.audience_for_host(host)
    if found is None:
        raise KvlintError(
            f"not a Key Vault or Managed HSM URL: {url!r} (e.g. https://myvault.vault.azure.net)"
        )
    return VaultTarget(host=host, cloud=found[0], audience=found[1])


# --- diagnosis ---------------------------------------------------------------------------------


def timestamp(claims: Mapping[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _span(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def relative(when: datetime, now: datetime) -> str:
    """``in 52 min``, ``3 h 12 min ago`` or ``now``."""
    seconds = round((when - now).total_seconds())
    if seconds == 0:
        return "now"
    return f"in {_span(seconds)}" if seconds > 0 else f"{_span(-seconds)} ago"


def when(moment: datetime, now: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({relative(moment, now)})"


def _audiences(claim: Any) -> list[str]:
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list):
        return [item for item in claim if isinstance(item, str)]
    return []


def _request(audience: str) -> str:
    return f"request scope '{audience}/.default' (v2) or resource '{audience}' (v1)"


def describe_audience(audience: str) -> str:
    """What an ``aud`` value is, in words (for output and messages)."""
    norm = keyvault.normalise_audience(audience)
    if norm == keyvault.KEY_VAULT_APP_ID:
        return "the Key Vault application id"
    for cloud in keyvault.CLOUDS:
        if norm == cloud.vault_audience:
            return f"Key Vault, {cloud.name} cloud"
        if norm == cloud.hsm_audience:
            return f"Managed HSM, {cloud.name} cloud"
    if norm.rstrip("/") != norm and keyvault.is_audience(norm.rstrip("/")):
        return "a Key Vault audience with a trailing slash"
    if norm.startswith("http://"):
        return "an http:// address, not an audience"
    host = _host(norm)
    if keyvault.audience_for_host(host):
        return "one vault's own URL, not an audience"
    if host.startswith("management."):
        return "Azure Resource Manager"
    return "not a Key Vault audience"


def _audience_findings(claim: Any, vault: VaultTarget | None) -> list[Finding]:
    audiences = _audiences(claim)
    expected = vault.audience if vault else None

    def accepted(audience: str) -> bool:
        norm = keyvault.normalise_audience(audience)
        if norm == keyvault.KEY_VAULT_APP_ID:
            return True
        return norm == expected if expected else keyvault.is_audience(norm)

    if any(accepted(audience) for audience in audiences):
        return []
    wanted = expected or PUBLIC_AUDIENCE
    if not audiences:
        return [Finding("KVT102", f"the token has no aud claim: {_request(wanted)}")]
    audience = audiences[0]
    base = keyvault.normalise_audience(audience).rstrip("/")
    vault_text = f"{vault.host} needs '{vault.audience}'" if vault else ""
    if base != keyvault.normalise_audience(audience) and keyvault.audience_cloud(base):
        findings = [
            Finding(
                "KVT101",
                f"aud is '{audience}' (trailing slash): Key Vault answers 401 AKV10022 "
                f"Invalid audience; {_request(expected or base)}",
            )
        ]
        if expected and base != expected:
            findings.append(
                Finding(
                    "KVT102",
                    f"aud '{base}' ({describe_audience(base)}) is the wrong cloud or kind: "
                    f"{vault_text}; "
                    f"{_request(expected)}",
                )
            )
        return findings
    if vault and keyvault.is_audience(audience):
        return [
            Finding(
                "KVT102",
                f"aud is '{audience}' ({describe_audience(audience)}) but {vault_text}; "
                f"{_request(expected)}",
            )
        ]
    return [
        Finding(
            "KVT102",
            f"aud is '{audience}' ({describe_audience(audience)}): Key Vault answers 401 "
            f"AKV10022 Invalid audience; {_request(wanted)}"
            + ("" if vault else " (or your cloud's Key Vault audience)"),
        )
    ]


def tenant_mismatch(tid: Any, tenant: str) -> Finding | None:
    """KVT105 when a token's ``tid`` is not ``tenant`` (also used by ``kvlint audit --token``)."""
    if isinstance(tid, str) and tid.lower() == tenant.lower():
        return None
    issued_by = f"tenant '{tid}'" if isinstance(tid, str) else "no tenant (no tid claim)"
    return Finding(
        "KVT105",
        f"the token was issued by {issued_by} but the vault is in tenant '{tenant}': "
        f"Key Vault answers 401 AKV10032 Invalid issuer; get the token from tenant {tenant} "
        f"(`az login --tenant {tenant}`, AZURE_TENANT_ID, or tenant_id= on the credential) "
        "and make sure the identity exists there",
    )


def diagnose(
    claims: Mapping[str, Any],
    *,
    tenant: str | None = None,
    vault_url: str | None = None,
    now: datetime | None = None,
    skew: timedelta = DEFAULT_SKEW,
) -> list[Finding]:
    """KVT101 to KVT105 for decoded claims; ``tenant`` and ``vault_url`` add expectations."""
    now = now or datetime.now(timezone.utc)
    vault = vault_target(vault_url) if vault_url else None
    findings = _audience_findings(claims.get("aud"), vault)
    expires = timestamp(claims, "exp")
    if expires is not None and expires < now - skew:
        findings.append(
            Finding(
                "KVT103",
                f"expired {when(expires, now)}: Key Vault answers 401; get a fresh token for each "
                "call from the credential (SDK credentials cache and refresh it) instead of "
                "keeping the token string",
            )
        )
    not_before = timestamp(claims, "nbf")
    if not_before is not None and not_before > now + skew:
        findings.append(
            Finding(
                "KVT104",
                f"not valid before {when(not_before, now)}, beyond the {_span(int(skew.total_seconds()))} "
                "clock-skew allowance: this machine's clock is behind (sync it with NTP) or the "
                "token was issued for later use",
            )
        )
    mismatch = tenant_mismatch(claims.get("tid"), tenant) if tenant else None
    if mismatch:
        findings.append(mismatch)
    return findings


# --- description -------------------------------------------------------------------------------


def identity(claims: Mapping[str, Any]) -> str:
    """The kind of principal the token stands for."""
    mirid = claims.get("xms_mirid")
    if isinstance(mirid, str) and mirid:
        if _USER_ASSIGNED in mirid.lower():
            return f"managed identity, user-assigned '{mirid.rstrip('/').rsplit('/', 1)[-1]}'"
        return f"managed identity, system-assigned ({mirid})"
    kind = claims.get("idtyp")
    if kind == "app":
        return "application (service principal, app-only)"
    if kind == "user" or "scp" in claims or user_name(claims):
        return "user (delegated)"
    if "roles" in claims or (claims.get("oid") and claims.get("oid") == claims.get("sub")):
        return "application (service principal, app-only)"
    return "unknown (no idtyp, scp, roles or user name claim)"


def user_name(claims: Mapping[str, Any]) -> str | None:
    for key in ("upn", "unique_name", "preferred_username", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def version(claims: Mapping[str, Any]) -> str:
    ver = claims.get("ver")
    if ver in ("1.0", "2.0"):
        return f"v{ver}"
    return "v1.0 (no ver claim)" if "appid" in claims else f"unknown (ver {ver!r})"


def _text_list(value: Any) -> str | None:
    if isinstance(value, str):
        return ", ".join(value.split()) or None
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or None
    return None


def summary(token: Token, now: datetime) -> list[tuple[str, str]]:
    """The rows of the text report: what the token says, in words."""
    claims = token.claims
    rows: list[tuple[str, str | None]] = [
        ("token", f"{token.redacted}, {token.header.get('alg', '?')}, signature not checked"),
        ("version", version(claims)),
    ]
    auds = _audiences(claims.get("aud"))
    rows += [("audience", f"{aud} ({describe_audience(aud)})") for aud in auds] or [
        ("audience", "none (no aud claim)")
    ]
    app_claim = "appid" if "appid" in claims else "azp"
    app_name = claims.get("app_displayname")
    app_id = claims.get(app_claim)
    client_auth = claims.get("appidacr", claims.get("azpacr"))
    rows += [
        ("issuer", claims.get("iss")),
        ("tenant", claims.get("tid")),
        (f"app id ({app_claim})", f"{app_id} ({app_name})" if app_id and app_name else app_id),
        ("client auth", _CLIENT_AUTH.get(str(client_auth)) if client_auth is not None else None),
        ("object id", claims.get("oid")),
        ("identity", identity(claims)),
        ("user", user_name(claims)),
    ]
    for label, name in (("issued", "iat"), ("not before", "nbf"), ("expires", "exp")):
        moment = timestamp(claims, name)
        rows.append((label, when(moment, now) if moment else None))
    rows += [("scopes", _text_list(claims.get("scp"))), ("roles", _text_list(claims.get("roles")))]
    return [(label, str(value)) for label, value in rows if value not in (None, "")]


def render_text(
    token: Token, findings: list[Finding], now: datetime, *, tenant_checked: bool
) -> str:
    rows = summary(token, now)
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    lines.append("")
    for finding in findings:
        rule = catalog.get(finding.code)
        lines.append(f"{finding.code} {rule.severity} {rule.name}: {finding.message}")
    if findings:
        lines.append(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}")
    else:
        checked = "audience, tenant and lifetime" if tenant_checked else "audience and lifetime"
        unchecked = "signature" if tenant_checked else "signature and tenant (use --tenant)"
        principal = token.claims.get("oid", "?")
        lines.append(
            f"no problems: Key Vault accepts this token's {checked} ({unchecked} not checked). "
            f"A 403 would be about authorisation: object id {principal} needs an access policy "
            "or role on the vault, and the caller must pass the vault firewall "
            "(see `kvlint audit --token`)."
        )
    return "\n".join(lines) + "\n"


# --- acquiring ---------------------------------------------------------------------------------


def make_credential(authority_host: str | None) -> Any:
    """The credential ``--acquire`` uses. Tests replace this function (no Azure AD here)."""
    from azure.identity import DefaultAzureCredential

    kwargs = {"authority": authority_host} if authority_host else {}
    try:
        return DefaultAzureCredential(**kwargs)
    except ValueError as exc:  # e.g. an invalid AZURE_TOKEN_CREDENTIALS value
        raise KvlintError(f"cannot set up DefaultAzureCredential: {exc}") from None


def auth_failure(message: str) -> str:
    """One line out of DefaultAzureCredential's multi-line error: what failed, or what was tried."""
    attempts = _ATTEMPT.findall(message)
    if not attempts:
        reason = " ".join(message.split())
    else:
        failed = [f"{name}: {text}" for name, text in attempts if not _UNAVAILABLE.search(text)]
        tried = ", ".join(name for name, _ in attempts)
        reason = "; ".join(failed) if failed else f"no credential is available (tried {tried})"
    return reason if len(reason) <= 300 else reason[:297] + "..."


def acquire(scope: str, *, authority_host: str | None = None, tenant: str | None = None) -> str:
    """A token from DefaultAzureCredential, requested as the Key Vault SDK would request it."""
    from azure.core.exceptions import ClientAuthenticationError

    # azure-identity logs each failed attempt at WARNING; the error below says it in one line.
    logging.getLogger("azure.identity").addHandler(logging.NullHandler())
    credential = make_credential(authority_host)
    try:
        kwargs = {"tenant_id": tenant} if tenant else {}
        return credential.get_token(scope, **kwargs).token
    except ClientAuthenticationError as exc:
        raise KvlintError(
            f"DefaultAzureCredential could not get a token for {scope}: "
            f"{auth_failure(str(exc.message or exc))} -- sign in with `az login`, set "
            "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run where a managed "
            "identity is assigned"
        ) from None
    finally:
        close = getattr(credential, "close", None)
        if callable(close):
            close()


# --- command -----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "token",
        nargs="?",
        metavar="JWT|-|@FILE",
        help="the access token: raw, 'Bearer …', an 'Authorization:' header line, "
        "`az account get-access-token` JSON; '-' or nothing reads stdin, @FILE reads a file "
        "(prefer these: a token on the command line lands in shell history)",
    )
    parser.add_argument("--tenant", metavar="T", help="the tenant id the token must come from")
    parser.add_argument(
        "--vault",
        metavar="URL",
        help="the vault or Managed HSM the token is for; its cloud decides the expected audience",
    )
    parser.add_argument(
        "--skew",
        metavar="MINUTES",
        type=float,
        default=DEFAULT_SKEW.total_seconds() / 60,
        help="clock skew allowed for exp and nbf (default: %(default)g)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--acquire",
        action="store_true",
        help="get a token with DefaultAzureCredential (the identity your code presents) and "
        "diagnose it",
    )
    parser.add_argument(
        "--scope",
        metavar="S",
        help="with --acquire: the scope to request (default: the vault's audience + /.default)",
    )


def run(args: argparse.Namespace) -> int:
    if args.skew < 0:
        raise KvlintError("--skew must not be negative")
    if args.tenant and not _GUID.fullmatch(args.tenant):
        raise KvlintError(
            f"--tenant must be a tenant id (a GUID), not {args.tenant!r}: tokens carry the id"
        )
    vault = vault_target(args.vault) if args.vault else None
    if args.acquire:
        if args.token is not None:
            raise KvlintError("give either a token or --acquire, not both")
        scope = args.scope or f"{vault.audience if vault else PUBLIC_AUDIENCE}/.default"
        authority = vault.cloud.authority_host if vault else None
        token = parse(acquire(scope, authority_host=authority, tenant=args.tenant))
    else:
        if args.scope:
            raise KvlintError("--scope applies only with --acquire")
        token = load(args.token)
    now = datetime.now(timezone.utc)
    findings = diagnose(
        token.claims,
        tenant=args.tenant,
        vault_url=args.vault,
        now=now,
        skew=timedelta(minutes=args.skew),
    )
    if args.format == "json":
        document = {"claims": token.claims, "findings": [f.as_dict() for f in findings]}
        print(json.dumps(document, indent=2))
    else:
        print(render_text(token, findings, now, tenant_checked=bool(args.tenant)), end="")
    return EXIT_FINDINGS if findings else EXIT_OK
