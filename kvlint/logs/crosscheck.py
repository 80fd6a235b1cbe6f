"""Findings from the log against the vaults' configuration today (``--input vaults.json``).

The vaults are read and judged by :mod:`kvlint.audit` (its normalized vault model and its
network and access-policy gates, used as they are): for a refused address, "would the firewall
admit it today?"; for a refused identity, "does an access policy grant it today?". RBAC vaults
cannot be decided from an export without role assignments, and say so.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

from kvlint.audit import reach
from kvlint.audit.model import Vault
from kvlint.audit.network import parse_address
from kvlint.logs.findings import LogFinding

STILL = "still refused today"
FIXED = "already fixed"
UNKNOWN = "not verified"
CODES = ("KVL201", "KVL202", "KVL301", "KVL302")  # the findings a configuration can settle


def _address(text: str) -> IPv4Address | None:
    try:
        return parse_address(text)
    except ValueError:
        return None


def _firewall(finding: LogFinding, vault: Vault) -> None:
    refused: list[str] = []
    admitted: list[str] = []
    caller = finding.details.get("caller") or {}
    who = reach.Principal(caller.get("object_id") or "unknown")
    for text in finding.details.get("addresses") or {}:
        address = _address(text)
        if address is None:
            refused.append(text)
            continue
        verdict = reach.network_refusal(vault, reach.Caller(who, address))
        (refused if verdict else admitted).append(text)
    if refused:
        finding.config = STILL
        finding.config_note = (
            f"the vault's network rules today still refuse {', '.join(refused[:6])}"
            + (f"; they admit {', '.join(admitted[:6])}" if admitted else "")
        )
    else:
        finding.config = FIXED
        finding.config_note = f"the vault's network rules today admit {', '.join(admitted[:6])}"


def _grant(finding: LogFinding, vault: Vault, roles: Any = None) -> None:
    caller = finding.details.get("caller") or {}
    oid = caller.get("object_id") or ""
    missing = finding.details.get("permission") or ""
    if not oid or "/" not in missing:
        finding.config = UNKNOWN
        finding.config_note = "the log does not name the object id or the permission"
        return
    kind, name = missing.split("/", 1)
    logged = [a for a in (_address(t) for t in finding.details.get("addresses") or {}) if a]
    address = logged[0] if logged else IPv4Address("20.0.0.1")
    who = reach.Caller(reach.Principal(oid.lower()), address, ((kind, name.lower()),))
    verdict = reach.verdict(vault, who, roles)  # the audit's own gates, network first
    if verdict is None:
        finding.config = FIXED
        finding.config_note = f"the vault's configuration today grants {missing} to object {oid}"
    elif verdict.code == "KVA505":
        finding.config = UNKNOWN
        finding.config_note = (
            "the vault uses Azure RBAC; role assignments are not in the export, so whether the "
            "grant exists today was not verified"
        )
    else:
        finding.config = STILL
        finding.config_note = f"{verdict.code}: {verdict.message.split(' — ', 1)[-1]}"


def principals(found: list[LogFinding], vaults: list[Vault]) -> set[tuple[str, str]]:
    """(vault id, object id) of every RBAC refusal on an RBAC vault: whose roles to read."""
    rbac = {v.name.lower(): v for v in vaults if v.rbac}
    wanted = set()
    for finding in found:
        oid = (finding.details.get("caller") or {}).get("object_id")
        vault = rbac.get(finding.vault.lower())
        if finding.code in ("KVL301", "KVL302") and vault and oid:
            wanted.add((vault.id, oid))
    return wanted


def annotate(
    found: list[LogFinding], vaults: list[Vault], roles: dict[tuple[str, str], Any] | None = None
) -> int:
    """Mark each firewall and permission finding with today's configuration; vaults matched.

    ``roles`` maps (vault id, object id) to the caller's role-assignment evidence (live reads).
    """
    roles = roles or {}
    by_name = {v.name.lower(): v for v in vaults}
    by_id = {v.id.lower(): v for v in vaults}
    matched = set()
    for finding in found:
        vault = by_id.get(finding.vault_id.lower()) or by_name.get(finding.vault.lower())
        if vault is None:
            continue
        matched.add(vault.id.lower())
        if finding.code in ("KVL201", "KVL202"):
            _firewall(finding, vault)
        elif finding.code in ("KVL301", "KVL302"):
            oid = (finding.details.get("caller") or {}).get("object_id") or ""
            _grant(finding, vault, roles.get((vault.id, oid)))
    return len(matched)
