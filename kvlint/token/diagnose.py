"""Diagnosis: decoded claims against what Key Vault expects (KVT101 to KVT105), and what the
token says in words (audience, identity, version)."""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from kvlint import keyvault
from kvlint.findings import Finding
from kvlint.token.decode import VaultTarget, _host, vault_target

DEFAULT_SKEW = timedelta(minutes=5)
PUBLIC_AUDIENCE = keyvault.CLOUDS_BY_NAME["public"].vault_audience
_USER_ASSIGNED = "/providers/microsoft.managedidentity/userassignedidentities/"


def timestamp(claims: Mapping[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def malformed_time(claims: Mapping[str, Any], name: str) -> str | None:
    """How a present ``exp``/``nbf``/``iat`` that is not a finite number of seconds is shown."""
    if name not in claims:
        return None
    value = claims[name]
    if not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value):
        return None
    shown = json.dumps(value) if not isinstance(value, float) else repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


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
        return [Finding.of("KVT102", f"the token has no aud claim: {_request(wanted)}")]
    audience = audiences[0]
    base = keyvault.normalise_audience(audience).rstrip("/")
    vault_text = f"{vault.host} needs '{vault.audience}'" if vault else ""
    if base != keyvault.normalise_audience(audience) and keyvault.audience_cloud(base):
        findings = [
            Finding.of(
                "KVT101",
                f"aud is '{audience}' (trailing slash): Key Vault answers 401 AKV10022 "
                f"Invalid audience; {_request(expected or base)}",
            )
        ]
        if expected and base != expected:
            findings.append(
                Finding.of(
                    "KVT102",
                    f"aud '{base}' ({describe_audience(base)}) is the wrong cloud or kind: "
                    f"{vault_text}; "
                    f"{_request(expected)}",
                )
            )
        return findings
    if vault and keyvault.is_audience(audience):
        return [
            Finding.of(
                "KVT102",
                f"aud is '{audience}' ({describe_audience(audience)}) but {vault_text}; "
                f"{_request(vault.audience)}",
            )
        ]
    return [
        Finding.of(
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
    return Finding.of(
        "KVT105",
        f"the token was issued by {issued_by} but the vault is in tenant '{tenant}': "
        f"Key Vault answers 401 AKV10032 Invalid issuer; get the token from tenant {tenant} "
        f"(`az login --tenant {shlex.quote(tenant)}`, AZURE_TENANT_ID, or tenant_id= on the credential) "
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
    for name, code in (("exp", "KVT103"), ("nbf", "KVT104")):
        shown = malformed_time(claims, name)
        if shown is not None:  # never "valid": Key Vault cannot read the token's lifetime
            findings.append(
                Finding.of(
                    code,
                    f"{name} is {shown}, not a time in seconds: the token is malformed and Key "
                    "Vault answers 401; get a real token from the credential instead of building "
                    "or editing one",
                )
            )
    expires = timestamp(claims, "exp")
    if expires is not None and expires < now - skew:
        findings.append(
            Finding.of(
                "KVT103",
                f"expired {when(expires, now)}: Key Vault answers 401; get a fresh token for each "
                "call from the credential (SDK credentials cache and refresh it) instead of "
                "keeping the token string",
            )
        )
    not_before = timestamp(claims, "nbf")
    if not_before is not None and not_before > now + skew:
        findings.append(
            Finding.of(
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
