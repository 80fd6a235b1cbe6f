"""Azure RBAC data: role assignments and role definitions, in every shape users export them.

Shapes read (one normalizer each way, so live and offline evidence are the same objects):

- ``az role assignment list --all --include-inherited -o json``: flat objects with
  ``principalId``, ``roleDefinitionId``, ``roleDefinitionName``, ``scope``, ``condition``;
- the ARM REST pages ``{"value": [...]}`` and the SDK's ``as_dict()``: the same fields under
  ``properties``;
- Resource Graph ``authorizationresources`` rows (lower-case ``type``, ``properties``);
- ``az role definition list -o json`` (flat ``roleName`` / ``roleType`` / ``permissions``) and
  the REST shape (``properties.roleName`` / ``properties.type`` / ``properties.permissions``).

The built-in roles that matter to Key Vault are known without a definitions file: their
role-definition GUIDs and data actions are Microsoft's (Azure built-in roles reference,
"Security" section); the general control-plane roles (Owner, Contributor, Reader, ...) are
known to grant no data action.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

ASSIGNMENT_TYPE = "microsoft.authorization/roleassignments"
DEFINITION_TYPE = "microsoft.authorization/roledefinitions"
KV = "Microsoft.KeyVault/vaults/"


@dataclass(frozen=True)
class RoleDefinition:
    id: str  # the role-definition GUID, lower case
    name: str
    # one (dataActions, notDataActions) pair per permission block
    permissions: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    builtin: bool = False

    def allows(self, action: str) -> bool:
        """True when one permission block grants the data action (Azure's wildcard match)."""
        lowered = action.lower()

        def matches(patterns: tuple[str, ...]) -> bool:
            return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)

        return any(matches(allowed) and not matches(denied) for allowed, denied in self.permissions)

    @property
    def data_actions(self) -> tuple[str, ...]:
        return tuple(a for allowed, _ in self.permissions for a in allowed)


@dataclass(frozen=True)
class RoleAssignment:
    scope: str
    role_id: str  # the role-definition GUID, lower case
    principal_id: str  # lower case
    principal_type: str | None = None  # User, Group, ServicePrincipal, ForeignGroup (or unknown)
    condition: str | None = None
    role_name: str | None = None  # az output carries roleDefinitionName
    role_definition_id: str = ""  # as given (live lookups need the full id)


def _builtin(guid: str, name: str, *actions: str) -> RoleDefinition:
    return RoleDefinition(guid, name, ((tuple(actions), ()),) if actions else (), builtin=True)


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
    ),
    _builtin(
        "21090545-7ca7-4776-b22c-e363652d74d2",
        "Key Vault Reader",
        KV + "*/read",
        KV + "secrets/readMetadata/action",
    ),
    _builtin("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Key Vault Secrets Officer", KV + "secrets/*"),
    _builtin(
        "a4417e6f-fecd-4de8-b567-7b0420556985",
        "Key Vault Certificates Officer",
        KV + "certificatecas/*",
        KV + "certificates/*",
        KV + "certificatecontacts/write",
    ),
    _builtin(
        "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
        "Key Vault Crypto Officer",
        KV + "keys/*",
        KV + "keyrotationpolicies/*",
    ),
    _builtin("00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator", KV + "*"),
    # control plane only: no data action at all
    _builtin("f25e0fa2-a7c8-4377-a976-54943a77a395", "Key Vault Contributor"),
    _builtin("8b54135c-b56d-4d72-a534-26097cfdc8d8", "Key Vault Data Access Administrator"),
    _builtin("8e3af657-a8ff-4c61-a3a5-6d8ad3b09d4e", "Owner"),
    _builtin("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    _builtin("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    _builtin("18d7d88d-d35e-4fb5-a5c3-7773c6a72d9d", "User Access Administrator"),
    _builtin("f58310d9-a9f6-439a-9e8d-f62e7b41a168", "Role Based Access Control Administrator"),
)
BUILTIN: dict[str, RoleDefinition] = {role.id: role for role in BUILTIN_ROLES}


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
    for block in blocks:
        if not isinstance(block, dict):
            raise MalformedRole(f"role definition {name}: a permission must be an object")
        allowed = block.get("dataActions") or []
        denied = block.get("notDataActions") or []
        if not all(isinstance(a, str) for a in [*allowed, *denied]):
            raise MalformedRole(f"role definition {name}: data actions must be strings")
        permissions.append((tuple(allowed), tuple(denied)))
    role_type = fields.get("roleType") or (fields.get("type") if "properties" in doc else None)
    return RoleDefinition(
        guid_of(ident), name, tuple(permissions), builtin=str(role_type) == "BuiltInRole"
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
    )


def least_privileged(actions: list[str]) -> RoleDefinition | None:
    """The first built-in role (least privilege first) granting every action."""
    return next((r for r in BUILTIN_ROLES if all(r.allows(a) for a in actions)), None)
