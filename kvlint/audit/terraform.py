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
from kvlint.audit.perimeter import AccessRule, Association, Perimeters
from kvlint.audit.roles import BUILTIN_ROLES, RoleAssignment, guid_of

PERMISSION_KINDS = ("keys", "secrets", "certificates", "storage")
NSP_ASSOCIATION = "azurerm_network_security_perimeter_association"
NSP_RULE = "azurerm_network_security_perimeter_access_rule"
NSP = (NSP_ASSOCIATION, NSP_RULE)


def is_plan(data: Any) -> bool:
    """A ``terraform show -json`` plan: with ``resource_changes``, or only ``planned_values``."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("resource_changes"), list):
        return True
    return isinstance(data.get("planned_values"), dict) and (
        "terraform_version" in data or "format_version" in data
    )


# what a vault's checks read: absent from planned_values means "known after apply"
VAULT_ATTRIBUTES = (
    "tenant_id",
    "access_policy",
    "network_acls",
    "public_network_access_enabled",
    "purge_protection_enabled",
    "soft_delete_retention_days",
)


def _planned_resources(module: Any, out: list[dict]) -> None:
    if not isinstance(module, dict):
        return
    out.extend(r for r in module.get("resources") or [] if isinstance(r, dict))
    for child in module.get("child_modules") or []:
        _planned_resources(child, out)


def changes(plan: dict) -> list[dict]:
    """``resource_changes``, plus a resource of ``planned_values`` that has no entry there
    (its values; an attribute a vault's checks read that is absent is known after apply)."""
    found = [c for c in plan.get("resource_changes") or [] if isinstance(c, dict)]
    seen = {str(c.get("address")) for c in found}
    planned: list[dict] = []
    _planned_resources((plan.get("planned_values") or {}).get("root_module"), planned)
    for resource in planned:
        address = str(resource.get("address"))
        if address in seen or resource.get("mode", "managed") != "managed":
            continue
        raw = resource.get("values")
        values: dict = raw if isinstance(raw, dict) else {}
        unknown = {
            key: True
            for key in VAULT_ATTRIBUTES
            if resource.get("type") == "azurerm_key_vault" and key not in values
        }
        entry: Any = type(resource)(
            {
                "address": address,
                "mode": "managed",
                "type": resource.get("type"),
                "name": resource.get("name"),
                "change": {"actions": ["create"], "after": values, "after_unknown": unknown},
            }
        )
        if hasattr(resource, "line"):
            entry.line = resource.line
        found.append(entry)
    return found


def merged_after(body: dict) -> Any:
    """A change's ``after`` with its "known after apply" values UNKNOWN."""
    return _merge_unknown(body.get("after"), body.get("after_unknown"))


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


def planned_role(after: dict) -> tuple[str, str | None]:
    """An ``azurerm_role_assignment``'s role: (its definition's id, or ``(role NAME)`` when
    neither a built-in name nor an id says it; the name as written, if any)."""
    name = after.get("role_definition_name")
    ident = after.get("role_definition_id")
    name = name if isinstance(name, str) else None
    role = None
    if name is not None:
        role = next((r.id for r in BUILTIN_ROLES if r.name.lower() == name.lower()), None)
    if role is None and isinstance(ident, str) and ident:
        role = guid_of(ident)
    return role or f"(role {name or 'unknown'})", name


def _role_assignment(vault_id: str, after: dict) -> RoleAssignment | None:
    """A planned azurerm_role_assignment on the vault (its principal may be unknown)."""
    principal = after.get("principal_id")
    role, name = planned_role(after)
    return RoleAssignment(
        scope=vault_id,
        role_id=role,
        principal_id=principal.lower() if isinstance(principal, str) else "(known after apply)",
        principal_type=after.get("principal_type")
        if isinstance(after.get("principal_type"), str)
        else None,
        condition=after.get("condition") if isinstance(after.get("condition"), str) else None,
        role_name=name,
    )


def plan_role_assignments(plan: dict) -> dict[str, list[RoleAssignment]]:
    """Planned role assignments scoped to a planned vault, by the vault's address."""
    refs = _references(plan.get("configuration"))
    vaults: dict[str, dict[str, Any]] = {
        str(c.get("address")): {} for c in changes(plan) if c.get("type") == "azurerm_key_vault"
    }
    found: dict[str, list[RoleAssignment]] = {}
    for change in changes(plan):
        if change.get("type") != "azurerm_role_assignment":
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


def plan_vaults(
    plan: dict, path: str, errors: list[ReadError], perimeters: Perimeters | None = None
) -> list[Vault]:
    """The vaults a plan would create or change; its network security perimeter resources go
    into ``perimeters`` (an Enforced association makes the vault SecuredByPerimeter)."""
    perimeters = perimeters if perimeters is not None else Perimeters()
    refs = _references(plan.get("configuration"))
    vaults: dict[str, dict] = {}
    lines: dict[str, int] = {}
    files: dict[str, str] = {}
    others: list[tuple[str, str, dict, int]] = []
    for change in changes(plan):
        if change.get("mode", "managed") != "managed":
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
            files[address] = getattr(change, "file", path)
        elif kind in ("azurerm_key_vault_access_policy", "azurerm_private_endpoint", *NSP):
            others.append((str(kind), address, after, getattr(change, "line", 0)))
    for kind, address, after, _line in others:
        resource_refs = refs.get(address.split("[", 1)[0], {})
        if kind in NSP:
            _perimeter(kind, address, after, resource_refs, vaults, refs, perimeters)
            continue
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
    for association in perimeters.associations:
        doc = vaults.get(association.resource_id)
        if doc is not None and association.mode.lower() == "enforced":
            props = doc["properties"]
            if props.get("publicNetworkAccess") is not UNKNOWN:
                props["publicNetworkAccess"] = "SecuredByPerimeter"
    found = []
    for address, doc in vaults.items():
        vault = to_vault(
            doc, file=files[address], line=lines[address], errors=errors, scope=address
        )
        if vault:
            found.append(vault)
    return found


def _perimeter(
    kind: str,
    address: str,
    after: dict,
    refs: dict[str, list[str]],
    vaults: dict[str, dict],
    all_refs: dict[str, dict[str, list[str]]],
    into: Perimeters,
) -> None:
    """``azurerm_network_security_perimeter_association`` (a planned vault, a profile, the
    access mode) and ``_access_rule`` (direction, address prefixes; subscriptions and FQDNs are
    what kvlint cannot see), keyed by Terraform addresses."""
    attribute = "network_security_perimeter_profile_id"
    profile = next(
        (r.removesuffix(".id") for r in refs.get(attribute, []) if r.endswith(".id")),
        None,
    )
    if profile is None:
        value = after.get(attribute)
        profile = value.lower() if isinstance(value, str) else f"(profile of {address})"
    if kind == NSP_ASSOCIATION:
        target = _target(refs, "resource_id", vaults)
        mode = after.get("access_mode")
        if target and isinstance(mode, str):  # an unwritten mode is the provider's: unknown
            into.associations.append(Association(target.lower(), profile.lower(), mode, address))
        return
    prefixes = after.get("address_prefixes")
    others = [
        f"{what} {', '.join(map(str, after.get(key) or []))}"
        for key, what in (
            ("subscription_ids", "subscriptions"),
            ("service_tags", "service tags"),
            ("fqdns", "FQDNs"),
        )
        if after.get(key)
    ]
    if prefixes is UNKNOWN:
        others.append("address prefixes known after apply")
    into.rules.append(
        AccessRule(
            profile.lower(),
            str(after.get("name") or address),
            str(after.get("direction") or "").lower() == "inbound",
            tuple(str(p) for p in prefixes or [] if isinstance(p, str))
            if prefixes is not UNKNOWN
            else (),
            tuple(others),
        )
    )
