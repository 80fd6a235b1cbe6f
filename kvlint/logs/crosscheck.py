"""Findings from the log against the vaults' configuration today (``--input vaults.json``).

The vaults are read and judged by :mod:`kvlint.audit` (its normalized vault model and its
network and access-policy gates, used as they are): for a refused address, "would the firewall
admit it today?"; for a refused identity, "does an access policy grant it today?". RBAC vaults
cannot be decided from an export without role assignments, and say so.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from kvlint.audit import reach
from kvlint.audit.model import Vault
from kvlint.audit.network import parse_address
from kvlint.logs.findings import LogFinding

STILL = "still refused today"
FIXED = "already fixed"
UNKNOWN = "not verified"


def _address(text: str) -> IPv4Address | None:
    try:
        return parse_address(text)
    except ValueError:
        return None


def _firewall(finding: LogFinding, vault: Vault) -> None:
    refused, admitted = [], []
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


def _grant(finding: LogFinding, vault: Vault) -> None:
    caller = finding.details.get("caller") or {}
    oid = caller.get("object_id") or ""
    missing = finding.details.get("missing") or ""
    if not oid or "/" not in missing:
        finding.config = UNKNOWN
        finding.config_note = "the log does not name the object id or the permission"
        return
    kind, name = missing.split("/", 1)
    logged = [a for a in (_address(t) for t in finding.details.get("addresses") or {}) if a]
    address = logged[0] if logged else IPv4Address("20.0.0.1")
    who = reach.Caller(reach.Principal(oid.lower()), address, ((kind, name.lower()),))
    verdict = reach.verdict(vault, who)  # the audit's own gates, network first
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


def annotate(found: list[LogFinding], vaults: list[Vault]) -> int:
    """Mark each firewall and permission finding with today's configuration; vaults matched."""
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
            _grant(finding, vault)
    return len(matched)
