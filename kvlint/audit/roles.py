"""Azure RBAC data: role assignments and role definitions, in every shape users export them.

Shapes read (one normalizer each way, so live and offline evidence are the same objects):

- ``az role assignment list --all --include-inherited -o json``: flat objects with
  ``principalId``, ``roleDefinitionId``, ``roleDefinitionName``, ``scope``, ``condition``;
- the ARM REST pages ``{"value": [...]}`` and the SDK's ``as_dict()``: the same fields under
  ``properties``;
- Resource Graph ``authorizationresources`` rows (lower-case ``type``, ``properties``);
- ``az role definition list -o json`` (flat ``roleName`` / ``roleType`` / ``permissions``) and
  the REST shape (``properties.roleName`` / ``properties.type`` / ``properties.permissions``);
- deny assignments: the ARM REST page (``az rest --url …/denyAssignments``) and Resource Graph
  ``authorizationresources`` rows (``type`` ``microsoft.authorization/denyassignments``).

The built-in roles that matter to Key Vault are known without a definitions file, with their
role-definition GUIDs, control-plane actions (and notActions) and data actions as Microsoft
publishes them: "Azure built-in roles for Security"
(https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security) for the
Key Vault and Managed HSM roles, "Azure built-in roles for Privileged" / "General"
(https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged,
.../built-in-roles/general) for Owner, Contributor, Reader, User Access Administrator and Role
Based Access Control Administrator. The general roles grant no data action. A Managed HSM's
data plane is its own local RBAC (https://learn.microsoft.com/azure/key-vault/managed-hsm/
built-in-roles): those roles are named in :data:`HSM_LOCAL_ROLES`, not evaluated.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

ASSIGNMENT_TYPE = "microsoft.authorization/roleassignments"
DEFINITION_TYPE = "microsoft.authorization/roledefinitions"
DENY_TYPE = "microsoft.authorization/denyassignments"
EVERYONE = "00000000-0000-0000-0000-000000000000"  # a deny assignment's "all principals"
KV = "Microsoft.KeyVault/vaults/"


@dataclass(frozen=True)
class RoleDefinition:
    id: str  # the role-definition GUID, lower case
    name: str
    # one (dataActions, notDataActions) pair per permission block
    permissions: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    builtin: bool = False
    # control plane: one (actions, notActions) pair per permission block
    control: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()

    def allows(self, action: str) -> bool:
        """True when one permission block grants the data action (Azure's wildcard match)."""
        lowered = action.lower()

        def matches(patterns: tuple[str, ...]) -> bool:
            return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)

        return any(matches(allowed) and not matches(denied) for allowed, denied in self.permissions)

    def allows_control(self, action: str) -> bool:
        """True when one permission block grants the control-plane (ARM) action."""
        lowered = action.lower()

        def matches(patterns: tuple[str, ...]) -> bool:
            return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)

        return any(matches(allowed) and not matches(denied) for allowed, denied in self.control)

    @property
    def data_actions(self) -> tuple[str, ...]:
        return tuple(a for allowed, _ in self.permissions for a in allowed)

    @property
    def can_assign_roles(self) -> bool:
        """Whether the role may create role assignments (give itself a data role)."""
        return self.allows_control("Microsoft.Authorization/roleAssignments/write")


@dataclass(frozen=True)
class RoleAssignment:
    scope: str
    role_id: str  # the role-definition GUID, lower case
    principal_id: str  # lower case
    principal_type: str | None = None  # User, Group, ServicePrincipal, ForeignGroup (or unknown)
    condition: str | None = None
    role_name: str | None = None  # az output carries roleDefinitionName
    role_definition_id: str = ""  # as given (live lookups need the full id)


def _builtin(
    guid: str,
    name: str,
    *data_actions: str,
    actions: tuple[str, ...] = (),
    not_actions: tuple[str, ...] = (),
) -> RoleDefinition:
    return RoleDefinition(
        guid,
        name,
        ((tuple(data_actions), ()),) if data_actions else (),
        builtin=True,
        control=((actions, not_actions),) if actions else (),
    )


_MONITOR = (
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
)
# the control plane of the Key Vault data roles (read the vault, not change it)
_KV_READ = (
    *_MONITOR,
    "Microsoft.KeyVault/checkNameAvailability/read",
    "Microsoft.KeyVault/deletedVaults/read",
    "Microsoft.KeyVault/locations/*/read",
    "Microsoft.KeyVault/vaults/*/read",
    "Microsoft.KeyVault/operations/read",
)
_ASSIGN = (
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleAssignments/delete",
    "*/read",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
    "Microsoft.Management/managementGroups/read",
)

# Least privilege first: the first that grants every requested action is the one suggested.
BUILTIN_ROLES: tuple[RoleDefinition, ...] = (
    _builtin(
        "4633458b-17de-408a-b874-0445c86b69e6",
        "Key Vault Secrets User",
        KV + "secrets/getSecret/action",
        KV + "secrets/readMetadata/action",
    ),
    _builtin(
        "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
        "Key Vault Certificate User",
        KV + "certificates/read",
        KV + "secrets/getSecret/action",
        KV + "secrets/readMetadata/action",
        KV + "keys/read",
    ),
    _builtin(
        "e147488a-f6f5-4113-8e2d-b22465e65bf6",
        "Key Vault Crypto Service Encryption User",
        KV + "keys/read",
        KV + "keys/wrap/action",
        KV + "keys/unwrap/action",
        actions=(
            "Microsoft.EventGrid/eventSubscriptions/write",
            "Microsoft.EventGrid/eventSubscriptions/read",
            "Microsoft.EventGrid/eventSubscriptions/delete",
        ),
    ),
    _builtin(
        "08bbd89e-9f13-488c-ac41-acfcb10c90ab",
        "Key Vault Crypto Service Release User",
        KV + "keys/release/action",
    ),
    _builtin(
        "12338af0-0e69-4776-bea7-57ae8d297424",
        "Key Vault Crypto User",
        *(
            KV + f"keys/{a}"
            for a in (
                "read",
                "update/action",
                "backup/action",
                "encrypt/action",
                "decrypt/action",
                "wrap/action",
                "unwrap/action",
                "sign/action",
                "verify/action",
            )
        ),
        actions=(
            "Microsoft.EventGrid/eventSubscriptions/write",
            "Microsoft.EventGrid/eventSubscriptions/read",
            "Microsoft.EventGrid/eventSubscriptions/delete",
        ),
    ),
    _builtin(
        "21090545-7ca7-4776-b22c-e363652d74d2",
        "Key Vault Reader",
        KV + "*/read",
        KV + "secrets/readMetadata/action",
        actions=_KV_READ,
    ),
    _builtin(
        "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        "Key Vault Secrets Officer",
        KV + "secrets/*",
        actions=_KV_READ,
    ),
    _builtin(
        "a4417e6f-fecd-4de8-b567-7b0420556985",
        "Key Vault Certificates Officer",
        KV + "certificatecas/*",
        KV + "certificates/*",
        KV + "certificatecontacts/write",
        actions=_KV_READ,
    ),
    _builtin(
        "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
        "Key Vault Crypto Officer",
        KV + "keys/*",
        KV + "keyrotationpolicies/*",
        actions=_KV_READ,
    ),
    _builtin(
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        "Key Vault Administrator",
        KV + "*",
        actions=_KV_READ,
    ),
    # control plane only: no data action at all
    _builtin(
        "f25e0fa2-a7c8-4377-a976-54943a77a395",
        "Key Vault Contributor",
        actions=(*_MONITOR, "Microsoft.KeyVault/*"),
        not_actions=(
            "Microsoft.KeyVault/locations/deletedVaults/purge/action",
            "Microsoft.KeyVault/hsmPools/*",
            "Microsoft.KeyVault/managedHsms/*",
        ),
    ),
    _builtin(
        "8b54135c-b56d-4d72-a534-26097cfdc8d8",
        "Key Vault Data Access Administrator",
        # its roleAssignments/write carries a condition: only the Key Vault data roles
        actions=(*_ASSIGN, "Microsoft.KeyVault/vaults/*/read"),
    ),
    _builtin(
        "18500a29-7fe2-46b2-a342-b16a415e101d",
        "Managed HSM contributor",
        actions=(
            "Microsoft.KeyVault/managedHSMs/*",
            "Microsoft.KeyVault/deletedManagedHsms/read",
            "Microsoft.KeyVault/locations/deletedManagedHsms/read",
            "Microsoft.KeyVault/locations/deletedManagedHsms/purge/action",
            "Microsoft.KeyVault/locations/managedHsmOperationResults/read",
        ),
    ),
    _builtin("8e3af657-a8ff-4c61-a3a5-6d8ad3b09d4e", "Owner", actions=("*",)),
    _builtin(
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        actions=("*",),
        not_actions=(
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ),
    ),
    _builtin("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", actions=("*/read",)),
    _builtin(
        "18d7d88d-d35e-4fb5-a5c3-7773c6a72d9d",
        "User Access Administrator",
        actions=("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"),
    ),
    _builtin(
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
        actions=_ASSIGN,
    ),
)

# Managed HSM local RBAC (kept inside the HSM, not ARM; kvlint names them, it does not evaluate
# them): https://learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles
HSM_LOCAL_ROLES: dict[str, str] = {
    "a290e904-7015-4bba-90c8-60543313cdb4": "Managed HSM Administrator",
    "515eb02d-2335-4d2d-92f2-b1cbdf9c3778": "Managed HSM Crypto Officer",
    "21dbd100-6940-42c2-9190-5d6cb909625b": "Managed HSM Crypto User",
    "4bd23610-cdcf-4971-bdee-bdc562cc28e4": "Managed HSM Policy Administrator",
    "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3": "Managed HSM Crypto Auditor",
    "33413926-3206-4cdd-b39a-83574fe37a17": "Managed HSM Crypto Service Encryption User",
    "21dbd100-6940-42c2-9190-5d6cb909625c": "Managed HSM Crypto Service Release User",
    "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8": "Managed HSM Backup",
    "6efe6056-5259-49d2-8b3d-d3d73544b20b": "Managed HSM Restore",
}
BUILTIN: dict[str, RoleDefinition] = {role.id: role for role in BUILTIN_ROLES}


@dataclass(frozen=True)
class DenyAssignment:
    """A deny assignment: its principals may not perform its actions at its scope (and below,
    unless ``child_scopes`` is False), whatever role assignments grant; ``excluded`` principals
    are exempt. ARM creates them (managed applications, deployment stacks, blueprints)."""

    id: str
    name: str
    scope: str
    principals: tuple[tuple[str, str], ...]  # (object id lower case, type) — EVERYONE: all
    excluded: tuple[tuple[str, str], ...]
    # one (dataActions, notDataActions) pair per permission block
    permissions: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    child_scopes: bool = True
    condition: str | None = None

    def denies(self, action: str) -> bool:
        return RoleDefinition(self.id, self.name, self.permissions).allows(action)

    @property
    def label(self) -> str:
        return f"'{self.name}'" if self.name else self.id


def _principals(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise MalformedRole(f"{what} must be a list")
    found = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise MalformedRole(f"{what}: a principal must be an object with an id")
        found.append((item["id"].strip().lower(), str(item.get("type") or "")))
    return tuple(found)


def deny_assignment(doc: dict) -> DenyAssignment:
    """A deny assignment as ARM REST, Resource Graph ``authorizationresources`` or ``az rest``
    (``az role assignment list`` does not list them) returns it."""
    fields = _fields(doc)
    name = str(fields.get("denyAssignmentName") or doc.get("name") or "")
    where = f"deny assignment {name or doc.get('id') or ''}".strip()
    blocks = fields.get("permissions") or []
    if not isinstance(blocks, list):
        raise MalformedRole(f"{where}: permissions must be a list")
    permissions = []
    for block in blocks:
        if not isinstance(block, dict):
            raise MalformedRole(f"{where}: a permission must be an object")
        allowed = block.get("dataActions") or []
        denied = block.get("notDataActions") or []
        if not all(isinstance(a, str) for a in [*allowed, *denied]):
            raise MalformedRole(f"{where}: data actions must be strings")
        permissions.append((tuple(allowed), tuple(denied)))
    return DenyAssignment(
        id=str(doc.get("id") or name),
        name=name,
        scope=_text(fields.get("scope"), f"{where}: scope") or "",
        principals=_principals(fields.get("principals"), f"{where}: principals"),
        excluded=_principals(fields.get("excludePrincipals"), f"{where}: excludePrincipals"),
        permissions=tuple(permissions),
        child_scopes=fields.get("doNotApplyToChildScopes") is not True,
        condition=_text(fields.get("condition"), "condition", False) or None,
    )


def from_sdk_deny(model: Any) -> DenyAssignment:
    """A live ``DenyAssignment`` model (azure-mgmt-authorization)."""

    def people(items: Any) -> tuple[tuple[str, str], ...]:
        return tuple(((p.id or "").lower(), p.type or "") for p in items or ())

    return DenyAssignment(
        id=model.id or "",
        name=model.deny_assignment_name or model.name or "",
        scope=model.scope or "",
        principals=people(model.principals),
        excluded=people(model.exclude_principals),
        permissions=tuple(
            (tuple(p.data_actions or ()), tuple(p.not_data_actions or ()))
            for p in model.permissions or ()
        ),
        child_scopes=not model.do_not_apply_to_child_scopes,
        condition=getattr(model, "condition", None) or None,
    )


class MalformedRole(ValueError):
    """A role assignment or definition document without the fields it needs."""


def guid_of(role_definition_id: str) -> str:
    """The GUID at the end of a role-definition id (``/subscriptions/…/roleDefinitions/GUID``)."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def kind(doc: Any) -> str | None:
    """ "assignment", "definition" or None for any other document."""
    if not isinstance(doc, dict):
        return None
    value = str(doc.get("type") or "").lower()
    if value == ASSIGNMENT_TYPE:
        return "assignment"
    if value == DEFINITION_TYPE:
        return "definition"
    if value == DENY_TYPE:
        return "deny"
    return None


def _fields(doc: dict) -> dict:
    props = doc.get("properties")
    return {**doc, **props} if isinstance(props, dict) else doc


def _text(value: Any, what: str, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise MalformedRole(f"{what} must be a string")
    return value


def assignment(doc: dict) -> RoleAssignment:
    fields = _fields(doc)
    where = f"role assignment {doc.get('name') or doc.get('id') or ''}".strip()
    return RoleAssignment(
        scope=_text(fields.get("scope"), f"{where}: scope") or "",
        role_id=guid_of(_text(fields.get("roleDefinitionId"), f"{where}: roleDefinitionId") or ""),
        principal_id=(_text(fields.get("principalId"), f"{where}: principalId") or "").lower(),
        principal_type=_text(fields.get("principalType"), "principalType", False),
        condition=_text(fields.get("condition"), "condition", False) or None,
        role_name=_text(fields.get("roleDefinitionName"), "roleDefinitionName", False),
    )


def definition(doc: dict) -> RoleDefinition:
    fields = _fields(doc)
    name = _text(fields.get("roleName"), "role definition: roleName") or ""
    ident = _text(doc.get("name") or doc.get("id"), f"role definition {name}: id") or ""
    blocks = fields.get("permissions") or []
    if not isinstance(blocks, list):
        raise MalformedRole(f"role definition {name}: permissions must be a list")
    permissions = []
    control: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for block in blocks:
        if not isinstance(block, dict):
            raise MalformedRole(f"role definition {name}: a permission must be an object")
        allowed = block.get("dataActions") or []
        denied = block.get("notDataActions") or []
        actions = block.get("actions") or []
        not_actions = block.get("notActions") or []
        if not all(isinstance(a, str) for a in [*allowed, *denied, *actions, *not_actions]):
            raise MalformedRole(f"role definition {name}: actions must be strings")
        permissions.append((tuple(allowed), tuple(denied)))
        control.append((tuple(actions), tuple(not_actions)))
    role_type = fields.get("roleType") or (fields.get("type") if "properties" in doc else None)
    return RoleDefinition(
        guid_of(ident),
        name,
        tuple(permissions),
        builtin=str(role_type) == "BuiltInRole",
        control=tuple(control),
    )


def from_sdk_assignment(model: Any) -> RoleAssignment:
    """A live ``RoleAssignment`` model (azure-mgmt-authorization)."""
    return RoleAssignment(
        scope=model.scope or "",
        role_id=guid_of(model.role_definition_id or ""),
        role_definition_id=model.role_definition_id or "",
        principal_id=(model.principal_id or "").lower(),
        principal_type=getattr(model, "principal_type", None),
        condition=model.condition or None,
    )


def from_sdk_definition(model: Any) -> RoleDefinition:
    return RoleDefinition(
        guid_of(model.id or model.name or ""),
        model.role_name or guid_of(model.id or ""),
        tuple(
            (tuple(p.data_actions or ()), tuple(p.not_data_actions or ()))
            for p in model.permissions or ()
        ),
        builtin=getattr(model, "role_type", None) == "BuiltInRole",
        control=tuple(
            (tuple(p.actions or ()), tuple(p.not_actions or ())) for p in model.permissions or ()
        ),
    )


def least_privileged(actions: list[str]) -> RoleDefinition | None:
    """The first built-in role (least privilege first) granting every action."""
    return next((r for r in BUILTIN_ROLES if all(r.allows(a) for a in actions)), None)
