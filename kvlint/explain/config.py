"""Is it still refused today? Each explanation checked against exported vaults (``--input``).

The vaults, role assignments and role definitions are read by the audit (:mod:`kvlint.audit.files`)
and judged by its own gates (:func:`kvlint.audit.reach.network_refusal` and
:func:`kvlint.audit.reach.gates`), never re-implemented here.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import TextIO

from kvlint.audit import reach
from kvlint.audit.model import Vault
from kvlint.audit.network import parse_address
from kvlint.explain import Report
from kvlint.explain.model import Explanation

STILL = "still refused today"
ADMITTED = "admitted today"
UNKNOWN = "not verified"
NO_VAULT = "vault not in --input"
# a public address that stands for "some internet caller" when the paste names none
_ANY_PUBLIC = IPv4Address("20.0.0.1")


def _address(text: str) -> IPv4Address | None:
    try:
        return parse_address(text)
    except ValueError:
        return None


def _permission(item: Explanation) -> tuple[str, str] | None:
    perm = item.missing.get("access_policy_permission") or item.missing.get(
        "access_policy_equivalent", ""
    )
    kind, _, name = perm.partition("/")
    return (kind, name.lower()) if kind and name else None


def _check(item: Explanation, vault: Vault, roles: object) -> None:
    address = _address(item.address) if item.address else None
    oid = item.identity.get("object_id", "")
    tenant = item.identity.get("tenant")
    if item.gate == "network":
        if address is None:
            item.config, item.config_note = UNKNOWN, "the paste names no IPv4 client address"
            return
        who = reach.Caller(reach.Principal(oid or "unknown"), address)
        refusal = reach.network_refusal(vault, who)
        if refusal:
            item.config, item.config_note = STILL, refusal
        else:
            item.config = ADMITTED
            item.config_note = f"the vault's network rules today admit {address}"
        return
    perm = _permission(item)
    if item.gate == "identity" and item.code in ("KVL301", "KVL302") and oid and perm:
        who = reach.Caller(reach.Principal(oid, tenant), address or _ANY_PUBLIC, (perm,))
        found = reach.gates(vault, who, roles)  # type: ignore[arg-type]
        identity = [f for f in found if f.code not in ("KVA501", "KVA507")]
        # the network verdict only counts for an address the paste names
        network = [f for f in found if f.code in ("KVA501", "KVA507")] if address else []
        if not identity:
            item.config = ADMITTED if not network else STILL
            item.config_note = (
                f"the vault's configuration today grants {perm[0]}/{perm[1]} to object {oid}"
                + (f"; but {network[0].code}: {network[0].message}" if network else "")
                + ("" if address else " (the network gates were not checked: no client address)")
            )
        elif identity[0].code == "KVA505":
            item.config, item.config_note = UNKNOWN, f"KVA505: {identity[0].message}"
        else:
            item.config, item.config_note = STILL, f"{identity[0].code}: {identity[0].message}"
        return
    item.config, item.config_note = UNKNOWN, "the configuration does not decide this cause"


def annotate(report: Report, path: str, stdin: TextIO | None = None) -> None:
    """Mark each explanation with what the exported configuration says about it today."""
    from kvlint.audit import files
    from kvlint.audit.engine import _offline_evidence

    errors: list[files.ReadError] = []
    found = files.Inputs()
    files.read(path, found, tenant=None, errors=errors, stdin=stdin)
    report.config_errors = [f"{e.scope}: {e.message}" for e in errors]
    by_name = {v.name.lower(): v for v in found.vaults}
    roles = _offline_evidence(found)
    matched = set()
    for item in report.explanations:
        name = item.finding.resource.name.lower() if item.finding.resource else ""
        vault = by_name.get(name)
        if vault is None and len(found.vaults) == 1 and not name:
            vault = found.vaults[0]  # one vault given, and the paste names none: that one
        if vault is None:
            item.config = NO_VAULT if name else UNKNOWN
            item.config_note = (
                f"{name} is not among the {len(found.vaults)} vault(s) read"
                if name
                else "the paste names no vault"
            )
            continue
        matched.add(vault.id)
        _check(item, vault, roles)
    report.vaults_checked = len(matched)


def annotate_live(report: Report, azure: object) -> None:
    """``--check-config``: read the vault each explanation names through Resource Manager
    (read-only, as ``kvlint audit`` does) and, for an RBAC vault, the caller's role assignments;
    then the same gates as for ``--input``."""
    from kvlint.audit.live import Progress, arm_vaults, role_checks
    from kvlint.audit.model import id_parts
    from kvlint.audit.reach import Principal

    errors: list = []
    wanted: dict[tuple[str, str, str], list[Explanation]] = {}
    for item in report.explanations:
        resource = item.finding.resource
        subscription, group = id_parts(resource.id) if resource and resource.id else ("", "")
        if not (resource and subscription and group) or item.gate not in ("network", "identity"):
            item.config = UNKNOWN
            item.config_note = (
                "the paste names no vault resource id (subscription and resource group) to read"
                if item.gate in ("network", "identity")
                else "the configuration does not decide this cause"
            )
            continue
        wanted.setdefault((subscription, group, resource.name), []).append(item)
    if wanted:
        azure.sign_in()  # type: ignore[attr-defined]
    matched = 0
    for (subscription, group, name), items in sorted(wanted.items()):
        vaults = arm_vaults(
            azure,  # type: ignore[arg-type]
            [subscription],
            resource_group=group,
            vault_name=name,
            tenant=None,
            errors=errors,
            progress=Progress(enabled=False),
        )
        vault = next((v for v in vaults if v.name.lower() == name.lower()), None)
        if vault is None:
            for item in items:
                item.config = UNKNOWN
                item.config_note = f"vault {name} could not be read through Resource Manager"
            continue
        matched += 1
        for item in items:
            oid = item.identity.get("object_id", "")
            roles = None
            if vault.rbac and oid:
                evidence = role_checks(azure, [vault], Principal(oid), Progress(enabled=False))  # type: ignore[arg-type]
                roles = evidence.get(vault.id)
            _check(item, vault, roles)
    report.vaults_checked = matched
    report.config_errors = [f"{e.scope}: {e.message}" for e in errors]
