"""``kvlint token``'s reports: the text summary (what the token says, in words, then the
findings) and the JSON document (strict JSON: claims with ``NaN`` become strings)."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from kvlint import catalog
from kvlint.findings import Finding
from kvlint.report.escape import one_line
from kvlint.token.decode import Token
from kvlint.token.diagnose import (
    _audiences,
    describe_audience,
    identity,
    malformed_time,
    timestamp,
    user_name,
    version,
    when,
)

# appidacr (v1) / azpacr (v2): how the client application proved its identity.
_CLIENT_AUTH = {"0": "public client (no secret)", "1": "client secret", "2": "certificate"}


def json_safe(value: Any) -> Any:
    """Claims as strict JSON: ``NaN`` / ``Infinity`` (which Python's json reads) become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)  # "NaN", "Infinity", "-Infinity"
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value


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
        malformed = malformed_time(claims, name)
        shown = f"{malformed} (not a time)" if malformed else None
        rows.append((label, when(moment, now) if moment else shown))
    rows += [("scopes", _text_list(claims.get("scp"))), ("roles", _text_list(claims.get("roles")))]
    return [(label, str(value)) for label, value in rows if value not in (None, "")]


def render_text(
    token: Token, findings: list[Finding], now: datetime, *, tenant_checked: bool
) -> str:
    rows = summary(token, now)
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {one_line(value)}" for label, value in rows]
    lines.append("")
    for finding in findings:
        rule = catalog.get(finding.code)
        lines.append(f"{finding.code} {rule.severity} {rule.name}: {one_line(finding.message)}")
    if findings:
        lines.append(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}")
    else:
        checked = "audience, tenant and lifetime" if tenant_checked else "audience and lifetime"
        unchecked = "signature" if tenant_checked else "signature and tenant (use --tenant)"
        principal = token.claims.get("oid", "?")
        lines.append(
            f"no problems: Key Vault accepts this token's {checked} ({unchecked} not checked). "
            f"A 403 would be about authorisation: object id {one_line(principal)} needs an access policy "
            "or role on the vault, and the caller must pass the vault firewall "
            "(see `kvlint audit --token`)."
        )
    return "\n".join(lines) + "\n"


def document(
    token: Token, findings: list[Finding], walk: Any = None, prediction: Any = None
) -> str:
    """The ``--format json`` report."""
    body: dict[str, Any] = {
        "claims": json_safe(token.claims),
        "findings": [f.as_dict() for f in findings],
    }
    if walk is not None:
        body["credential_chain"] = walk.as_dict()
    if prediction is not None:
        body["vault_gates"] = prediction.as_dict()
    return json.dumps(body, indent=2, allow_nan=False)


def render_walk(walk: Any) -> str:
    """--explain: DefaultAzureCredential's chain as azure-identity logged it."""
    lines = ["credential chain (from azure-identity's own log records):"]
    if walk.environment:
        lines.append(f"  environment variables: {walk.environment}")
    for step in walk.steps:
        reason = f": {step.reason}" if step.reason else ""
        lines.append(f"  {step.credential:<30} {step.outcome}{reason}")
    if walk.answered_by:
        lines.append(f"  -> the token came from {walk.answered_by}")
    elif not walk.steps:
        lines.append("  (azure-identity logged no attempt)")
    return "\n".join(lines) + "\n"


def render_prediction(prediction: Any) -> str:
    lines = ["", f"vault {prediction.vault}, gates checked: {', '.join(prediction.checked)}"]
    if prediction.verdicts:
        lines += [f"  {code}: {message}" for code, message in prediction.verdicts]
    else:
        lines.append("  this identity would get in (secrets/get)")
    if prediction.note:
        lines.append(f"  note: {prediction.note}")
    return "\n".join(lines) + "\n"
