"""What the infrastructure-code readers (ARM templates, Terraform plans) share.

Both build the REST shape of each vault with :data:`UNKNOWN` wherever a value is not known
before deployment (an unresolved template expression, Terraform's "known after apply").
:func:`to_vault` drops every top-level property that holds an unknown anywhere and records it in
``Vault.unknown``: the checks that need it stay silent, nothing is guessed. JSON is read with
:func:`load_with_lines`, so every object knows the line it starts on (for findings and SARIF).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import replace
from json import scanner
from json.decoder import JSONObject  # type: ignore[attr-defined]
from typing import Any

from kvlint.audit.model import MalformedVault, ReadError, Vault, normalize


class _Unknown:
    """A value infrastructure code does not know before it is deployed."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
DEPLOYING_TENANT = "(the deploying tenant)"
EVERY_PROPERTY = frozenset(
    {
        "tenantId",
        "accessPolicies",
        "enableRbacAuthorization",
        "publicNetworkAccess",
        "networkAcls",
        "privateEndpointConnections",
        "enabledForDeployment",
        "enabledForDiskEncryption",
        "enabledForTemplateDeployment",
        "enableSoftDelete",
        "enablePurgeProtection",
        "softDeleteRetentionInDays",
    }
)


class Located(dict):
    """A JSON object that remembers the line it starts on."""

    line: int = 0


def load_with_lines(text: str) -> Any:
    """``json.loads`` whose objects are :class:`Located` (pure-Python scanner: IaC files are small)."""
    starts = [0]
    starts += [i + 1 for i, c in enumerate(text) if c == "\n"]
    decoder = json.JSONDecoder()

    def parse_object(s_and_end: Any, *args: Any) -> tuple[Located, int]:
        obj, end = JSONObject(s_and_end, *args)
        located = Located(obj)
        located.line = bisect.bisect_right(starts, s_and_end[1] - 1)
        return located, end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)


def has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def to_vault(
    doc: dict, *, file: str, line: int, errors: list[ReadError], scope: str
) -> Vault | None:
    """The vault (or HSM) of one declared resource, its unresolved properties recorded."""
    raw = doc.get("properties")
    props = dict(raw) if isinstance(raw, dict) else {}
    unknown = {key for key, value in props.items() if has_unknown(value)}
    if raw is UNKNOWN:
        unknown |= EVERY_PROPERTY
    known = {key: value for key, value in props.items() if key not in unknown}
    name = doc.get("name")
    top = {k: v for k, v in doc.items() if k != "properties" and not has_unknown(v)}
    shaped = {**top, "properties": known, "name": name if isinstance(name, str) else scope}
    try:
        vault = normalize(shaped)
    except MalformedVault as exc:
        errors.append(ReadError(f"{file}:{line}", f"{scope}: {exc}"))
        return None
    return replace(vault, unknown=frozenset(unknown), file=file, line=line)
