"""Terraform plans (``terraform show -json plan.out``): the vaults azurerm would create or change.

Read from ``resource_changes`` (``change.after``, with ``change.after_unknown`` marking values
"known after apply", which stay unknown): ``azurerm_key_vault`` (network_acls, inline
access_policy blocks, purge protection, public network access, the RBAC flag under either name:
``enable_rbac_authorization`` (azurerm 3) or ``rbac_authorization_enabled`` (azurerm 4)),
``azurerm_key_vault_access_policy``, ``azurerm_private_endpoint`` and ``azurerm_role_assignment``
(for reachability; assignments made outside the plan stay unknown), linked to their vault
through the plan's ``configuration`` references (a new vault's id is not known before apply).
Soft delete is always on for current azurerm (``soft_delete_enabled`` is gone), so KVA401 never
fires on a plan. Resources being destroyed are skipped.
"""

from __future__ import annotations

from typing import Any

from kvlint.audit.iac import UNKNOWN, to_vault
from kvlint.audit.model import ReadError, Vault
from kvlint.audit.roles import BUILTIN_ROLES, RoleAssignment, guid_of

PERMISSION_KINDS = ("keys", "secrets", "certificates", "storage")


def is_plan(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("resource_changes"), list)


def _merge_unknown(after: Any, unknown: Any) -> Any:
    """``after`` with UNKNOWN wherever ``after_unknown`` says "known after apply"."""
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, dict):
        base = dict(after) if isinstance(after, dict) else {}
        for key, flag in unknown.items():
            base[key] = _merge_unknown(base.get(key), flag)
        return base
    if isinstance(unknown, list):
        base_list = list(after) if isinstance(after, list) else []
        for index, flag in enumerate(unknown):
            if index < len(base_list):
                base_list[index] = _merge_unknown(base_list[index], flag)
            elif flag is True:
                base_list.append(UNKNOWN)
        return base_list
    return after


def _references(configuration: Any) -> dict[str, dict[str, list[str]]]:
    """address -> {attribute path: [referenced addresses]} from the plan's configuration."""
    found: dict[str, dict[str, list[str]]] = {}

    def walk_module(module: Any, prefix: str) -> None:
        if not isinstance(module, dict):
            return
        for resource in module.get("resources") or []:
            refs: dict[str, list[str]] = {}
            collect(resource.get("expressions") or {}, "", refs, prefix)
            found[prefix + str(resource.get("address"))] = refs
        for name, call in (module.get("module_calls") or {}).items():
            walk_module((call or {}).get("module"), f"{prefix}module.{name}.")

    def collect(node: Any, path: str, refs: dict[str, list[str]], prefix: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("references"), list):
                refs[path] = [prefix + str(r) for r in node["references"]]
            for key, value in node.items():
                if key != "references":
                    collect(value, f"{path}.{key}" if path else key, refs, prefix)
        elif isinstance(node, list):
            for item in node:
                collect(item, path, refs, prefix)

    walk_module((configuration or {}).get("root_module"), "")
    return found


def _target(refs: dict[str, list[str]], attribute: str, vaults: dict[str, dict]) -> str | None:
    for ref in refs.get(attribute, []):
        base = ref.removesuffix(".id")
        if base in vaults:
            return base
    return None


def _policy(block: Any) -> Any:
    if not isinstance(block, dict):
        return UNKNOWN
    return {
        "tenantId": block.get("tenant_id"),
        "objectId": block.get("object_id"),
        "applicationId": block.get("application_id") or None,
        "permissions": {
            kind: block.get(f"{kind[:-1] if kind != 'storage' else 'storage'}_permissions") or []
            for kind in PERMISSION_KINDS
        },
    }


def _vault_doc(address: str, after: dict) -> dict:
    acls = after.get("network_acls")
    props: dict[str, Any] = {
        "tenantId": after.get("tenant_id"),
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": after.get("soft_delete_retention_days"),
        "enablePurgeProtection": after.get("purge_protection_enabled"),
        "enabledForDeployment": after.get("enabled_for_deployment"),
        "enabledForDiskEncryption": after.get("enabled_for_disk_encryption"),
        "enabledForTemplateDeployment": after.get("enabled_for_template_deployment"),
        "accessPolicies": [_policy(b) for b in after.get("access_policy") or []]
        if after.get("access_policy") is not UNKNOWN
        else UNKNOWN,
    }
    rbac = after.get("rbac_authorization_enabled", after.get("enable_rbac_authorization"))
    props["enableRbacAuthorization"] = rbac
    public = after.get("public_network_access_enabled")
    props["publicNetworkAccess"] = (
        UNKNOWN if public is UNKNOWN else "Disabled" if public is False else "Enabled"
    )
    if acls is UNKNOWN:
        props["networkAcls"] = UNKNOWN
    elif isinstance(acls, list) and acls:
        block = acls[0] if isinstance(acls[0], dict) else UNKNOWN
        props["networkAcls"] = (
            UNKNOWN
            if block is UNKNOWN
            else {
                "bypass": block.get("bypass"),
                "defaultAction": block.get("default_action"),
                "ipRules": [{"value": v} for v in block.get("ip_rules") or []]
                if block.get("ip_rules") is not UNKNOWN
                else UNKNOWN,
                "virtualNetworkRules": [
                    {"id": v} for v in block.get("virtual_network_subnet_ids") or []
                ]
                if block.get("virtual_network_subnet_ids") is not UNKNOWN
                else UNKNOWN,
            }
        )
    name = after.get("name")
    return {
        "id": address,
        "name": name if isinstance(name, str) else address,
        "type": "Microsoft.KeyVault/vaults",
        "location": after.get("location") if isinstance(after.get("location"), str) else "",
        "properties": {k: v for k, v in props.items() if v is not None},
    }


def _role_assignment(vault_id: str, after: dict) -> RoleAssignment | None:
    """A planned azurerm_role_assignment on the vault (its principal may be unknown)."""
    principal = after.get("principal_id")
    name = after.get("role_definition_name")
    ident = after.get("role_definition_id")
    role = None
    if isinstance(name, str):
        role = next((r.id for r in BUILTIN_ROLES if r.name.lower() == name.lower()), None)
    if role is None and isinstance(ident, str) and ident:
        role = guid_of(ident)
    if role is None:
        role = f"(role {name if isinstance(name, str) else 'unknown'})"
    return RoleAssignment(
        scope=vault_id,
        role_id=role,
        principal_id=principal.lower() if isinstance(principal, str) else "(known after apply)",
        principal_type=after.get("principal_type")
        if isinstance(after.get("principal_type"), str)
        else None,
        condition=after.get("condition") if isinstance(after.get("condition"), str) else None,
        role_name=name if isinstance(name, str) else None,
    )


def plan_role_assignments(plan: dict) -> dict[str, list[RoleAssignment]]:
    """Planned role assignments scoped to a planned vault, by the vault's address."""
    refs = _references(plan.get("configuration"))
    vaults: dict[str, dict[str, Any]] = {
        str(c.get("address")): {}
        for c in plan.get("resource_changes") or []
        if isinstance(c, dict) and c.get("type") == "azurerm_key_vault"
    }
    found: dict[str, list[RoleAssignment]] = {}
    for change in plan.get("resource_changes") or []:
        if not isinstance(change, dict) or change.get("type") != "azurerm_role_assignment":
            continue
        body = change.get("change") or {}
        if body.get("actions") == ["delete"]:
            continue
        after = _merge_unknown(body.get("after"), body.get("after_unknown"))
        address = str(change.get("address"))
        target = _target(refs.get(address.split("[", 1)[0], {}), "scope", vaults)
        if target and isinstance(after, dict):
            assignment = _role_assignment(target, after)
            if assignment:
                found.setdefault(target, []).append(assignment)
    return found


def plan_vaults(plan: dict, path: str, errors: list[ReadError]) -> list[Vault]:
    refs = _references(plan.get("configuration"))
    vaults: dict[str, dict] = {}
    lines: dict[str, int] = {}
    others: list[tuple[str, str, dict, int]] = []
    for change in plan.get("resource_changes") or []:
        if not isinstance(change, dict) or change.get("mode", "managed") != "managed":
            continue
        body = change.get("change") or {}
        if body.get("actions") == ["delete"]:
            continue
        after = _merge_unknown(body.get("after"), body.get("after_unknown"))
        if not isinstance(after, dict):
            continue
        address = str(change.get("address"))
        kind = change.get("type")
        if kind == "azurerm_key_vault":
            vaults[address] = _vault_doc(address, after)
            lines[address] = getattr(change, "line", 0)
        elif kind in ("azurerm_key_vault_access_policy", "azurerm_private_endpoint"):
            others.append((str(kind), address, after, getattr(change, "line", 0)))
    for kind, address, after, _line in others:
        resource_refs = refs.get(address.split("[", 1)[0], {})
        if kind == "azurerm_key_vault_access_policy":
            target = _target(resource_refs, "key_vault_id", vaults)
            if target:
                props = vaults[target]["properties"]
                current = props.get("accessPolicies", [])
                props["accessPolicies"] = (
                    UNKNOWN if current is UNKNOWN else [*current, _policy(after)]
                )
            continue
        target = _target(
            resource_refs, "private_service_connection.private_connection_resource_id", vaults
        )
        if target:
            manual = [
                c.get("is_manual_connection")
                for c in after.get("private_service_connection") or []
                if isinstance(c, dict)
            ]
            state = {"status": "Pending"} if manual and all(m is True for m in manual) else {}
            props = vaults[target]["properties"]
            props["privateEndpointConnections"] = [
                *props.get("privateEndpointConnections", []),
                {"id": address, "properties": {"privateLinkServiceConnectionState": state}},
            ]
    found = []
    for address, doc in vaults.items():
        vault = to_vault(doc, file=path, line=lines[address], errors=errors, scope=address)
        if vault:
            found.append(vault)
    return found
