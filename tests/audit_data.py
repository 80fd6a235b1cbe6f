"""ARM-shaped vault documents for the audit tests (our own bodies, in the REST API's shape)."""

from __future__ import annotations

import copy
from typing import Any

TENANT = "11111111-1111-1111-1111-111111111111"
OTHER_TENANT = "22222222-2222-2222-2222-222222222222"
SUB_A = "aaaaaaaa-0000-0000-0000-000000000001"
SUB_B = "bbbbbbbb-0000-0000-0000-000000000002"
SUB_C = "cccccccc-0000-0000-0000-000000000003"
APP = "7c0e35b1-53e6-4f4e-9b8a-1d2f3e4a5b6c"  # the caller's object id
OTHER = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"
CLIENT_APP = "3fa2c1d0-9e8b-4a7c-8d6e-5f4a3b2c1d0e"

_UNSET = object()


def vault_id(name: str, sub: str = SUB_A, rg: str = "app") -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"


def policy(
    object_id: str = APP,
    secrets: tuple[str, ...] = ("get", "list"),
    *,
    tenant: str = TENANT,
    application: str | None = None,
    keys: tuple[str, ...] = (),
    certificates: tuple[str, ...] = (),
) -> dict:
    entry: dict[str, Any] = {
        "tenantId": tenant,
        "objectId": object_id,
        "permissions": {
            "keys": list(keys),
            "secrets": list(secrets),
            "certificates": list(certificates),
        },
    }
    if application:
        entry["applicationId"] = application
    return entry


def private_endpoint(status: str = "Approved", name: str = "kv-pe") -> dict:
    return {
        "id": f"{vault_id('x')}/privateEndpointConnections/{name}",
        "properties": {
            "privateEndpoint": {
                "id": f"/subscriptions/{SUB_A}/resourceGroups/net/providers/"
                f"Microsoft.Network/privateEndpoints/{name}"
            },
            "privateLinkServiceConnectionState": {
                "status": status,
                "description": "",
                "actionsRequired": "None",
            },
            "provisioningState": "Succeeded",
        },
    }


def vault(name: str = "kv-app", *, sub: str = SUB_A, rg: str = "app", **properties: Any) -> dict:
    """A well-configured vault (no findings); keyword arguments replace properties (None drops)."""
    props: dict[str, Any] = {
        "tenantId": TENANT,
        "sku": {"family": "A", "name": "standard"},
        "accessPolicies": [policy()],
        "vaultUri": f"https://{name}.vault.azure.net/",
        "enabledForDeployment": False,
        "enabledForDiskEncryption": False,
        "enabledForTemplateDeployment": False,
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
        "enableRbacAuthorization": False,
        "enablePurgeProtection": True,
        "networkAcls": {
            "bypass": "AzureServices",
            "defaultAction": "Deny",
            "ipRules": [{"value": "203.0.113.0/28"}],
            "virtualNetworkRules": [],
        },
        "publicNetworkAccess": "Enabled",
        "provisioningState": "Succeeded",
    }
    for key, value in properties.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return {
        "id": vault_id(name, sub, rg),
        "name": name,
        "type": "Microsoft.KeyVault/vaults",
        "location": "westeurope",
        "tags": {},
        "systemData": {
            "createdBy": "someone@contoso.com",
            "createdByType": "User",
            "createdAt": "2024-01-01T12:00:00Z",
        },
        "properties": props,
    }


def graph_row(doc: dict, tenant: str = TENANT) -> dict:
    """The same vault as a Resource Graph ``resources`` row (lower-case type, extra columns)."""
    sub = doc["id"].split("/")[2]
    rg = doc["id"].split("/")[4]
    return {
        "id": doc["id"],
        "name": doc["name"],
        "type": "microsoft.keyvault/vaults",
        "location": doc["location"],
        "resourceGroup": rg,
        "subscriptionId": sub,
        "tenantId": tenant,
        "properties": copy.deepcopy(doc["properties"]),
    }


def diagnostic(name: str = "to-workspace", **log: Any) -> dict:
    """A diagnostic setting; default: the audit category group, enabled."""
    entry = log or {"categoryGroup": "audit", "enabled": True}
    return {
        "id": f"{vault_id('x')}/providers/microsoft.insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {
            "workspaceId": f"/subscriptions/{SUB_A}/resourceGroups/ops/providers/"
            "Microsoft.OperationalInsights/workspaces/security",
            "logs": [{**entry, "retentionPolicy": {"enabled": False, "days": 0}}],
            "metrics": [],
        },
    }


# -- role assignments and definitions, in the shapes users export them ------------------------

SECRETS_USER_ID = "4633458b-17de-408a-b874-0445c86b69e6"
OWNER_ID = "8e3af657-a8ff-4c61-a3a5-6d8ad3b09d4e"


def role_assignment_az(
    scope: str, role_id: str, role_name: str, principal: str = APP, kind: str = "ServicePrincipal"
) -> dict:
    """One item of ``az role assignment list --all --include-inherited -o json``."""
    sub = scope.split("/")[2] if scope.startswith("/subscriptions/") else SUB_A
    return {
        "condition": None,
        "conditionVersion": None,
        "createdBy": "5d1e1a2b-0000-4000-8000-000000000001",
        "createdOn": "2024-03-01T10:00:00.000000+00:00",
        "delegatedManagedIdentityResourceId": None,
        "description": None,
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{role_id[:8]}-0000-4000-8000-000000000001",
        "name": f"{role_id[:8]}-0000-4000-8000-000000000001",
        "principalId": principal,
        "principalName": "app-prod",
        "principalType": kind,
        "resourceGroup": scope.split("/")[4] if "/resourceGroups/" in scope else None,
        "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_id}",
        "roleDefinitionName": role_name,
        "scope": scope,
        "type": "Microsoft.Authorization/roleAssignments",
        "updatedBy": "5d1e1a2b-0000-4000-8000-000000000001",
        "updatedOn": "2024-03-01T10:00:00.000000+00:00",
    }


def role_assignment_rest(scope: str, role_id: str, principal: str = APP, **extra: Any) -> dict:
    """One item of the ARM REST page (``properties`` wrapper, api-version 2022-04-01)."""
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{role_id[:8]}-1",
        "name": f"{role_id[:8]}-1",
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{SUB_A}/providers/Microsoft.Authorization/roleDefinitions/{role_id}",
            "principalId": principal,
            "principalType": extra.pop("kind", "ServicePrincipal"),
            "scope": scope,
            "condition": extra.pop("condition", None),
            "conditionVersion": None,
            "createdOn": "2024-03-01T10:00:00.0000000Z",
            "updatedOn": "2024-03-01T10:00:00.0000000Z",
            "createdBy": None,
            "updatedBy": "5d1e1a2b-0000-4000-8000-000000000001",
            "delegatedManagedIdentityResourceId": None,
            "description": None,
        },
    }


def role_assignment_graph(scope: str, role_id: str, principal: str = APP) -> dict:
    """A Resource Graph ``authorizationresources`` row."""
    rest = role_assignment_rest(scope, role_id, principal)
    return {
        "id": rest["id"],
        "name": rest["name"],
        "type": "microsoft.authorization/roleassignments",
        "tenantId": TENANT,
        "kind": "",
        "location": "",
        "resourceGroup": "",
        "subscriptionId": SUB_A,
        "properties": rest["properties"],
    }


def role_definition_az(role_id: str, name: str, data_actions: list[str], **extra: Any) -> dict:
    """One item of ``az role definition list -o json``."""
    return {
        "assignableScopes": [f"/subscriptions/{SUB_A}"],
        "createdBy": None,
        "createdOn": "2024-01-01T00:00:00.000000+00:00",
        "description": name,
        "id": f"/subscriptions/{SUB_A}/providers/Microsoft.Authorization/roleDefinitions/{role_id}",
        "name": role_id,
        "permissions": [
            {
                "actions": [],
                "condition": None,
                "conditionVersion": None,
                "dataActions": data_actions,
                "notActions": [],
                "notDataActions": extra.pop("not_data_actions", []),
            }
        ],
        "roleName": name,
        "roleType": "CustomRole",
        "type": "Microsoft.Authorization/roleDefinitions",
        "updatedBy": None,
        "updatedOn": "2024-01-01T00:00:00.000000+00:00",
    }


def az_show_private_endpoint(status: str | None = "Approved", name: str = "kv-pe") -> dict:
    """A private endpoint connection as ``az keyvault show`` writes it: no ``properties``."""
    item: dict[str, Any] = {
        "etag": '"0000a1b2-0000-0d00-0000-65f0a1b20000"',
        "id": f"{vault_id('x')}/privateEndpointConnections/{name}",
        "privateEndpoint": {
            "id": f"/subscriptions/{SUB_A}/resourceGroups/net/providers/"
            f"Microsoft.Network/privateEndpoints/{name}"
        },
        "provisioningState": "Succeeded",
        "resourceGroup": "app",
    }
    if status is not None:
        item["privateLinkServiceConnectionState"] = {
            "actionsRequired": "None",
            "description": "Auto-Approved",
            "status": status,
        }
    return item


def powershell_vault(doc: dict, *, depth_two: bool = False) -> dict:
    """``Get-AzKeyVault -VaultName X | ConvertTo-Json -Depth 5`` of an ARM vault (enums as
    numbers, as ConvertTo-Json writes them); ``depth_two`` mimics the default -Depth 2."""
    props = doc["properties"]
    acls = props.get("networkAcls") or {}
    policies = [
        {
            "TenantId": p["tenantId"],
            "TenantName": p["tenantId"],
            "ObjectId": p["objectId"],
            "ApplicationId": p.get("applicationId"),
            "DisplayName": "app-prod",
            "PermissionsToKeys": p["permissions"].get("keys", []),
            "PermissionsToSecrets": p["permissions"].get("secrets", []),
            "PermissionsToCertificates": p["permissions"].get("certificates", []),
            "PermissionsToStorage": [],
            "PermissionsToKeysStr": ", ".join(p["permissions"].get("keys", [])),
        }
        for p in props.get("accessPolicies", [])
    ]
    if depth_two:
        policies = ["Microsoft.Azure.Commands.KeyVault.Models.PSKeyVaultAccessPolicy"] * len(
            policies
        )
    return {
        "VaultName": doc["name"],
        "ResourceGroupName": doc["id"].split("/")[4],
        "Location": doc["location"],
        "ResourceId": doc["id"],
        "VaultUri": props.get("vaultUri"),
        "TenantId": props["tenantId"],
        "TenantName": "contoso",
        "Sku": "Standard",
        "EnabledForDeployment": props.get("enabledForDeployment", False),
        "EnabledForTemplateDeployment": props.get("enabledForTemplateDeployment", False),
        "EnabledForDiskEncryption": props.get("enabledForDiskEncryption", False),
        "EnableSoftDelete": props.get("enableSoftDelete"),
        "EnablePurgeProtection": props.get("enablePurgeProtection"),
        "EnableRbacAuthorization": props.get("enableRbacAuthorization"),
        "SoftDeleteRetentionInDays": props.get("softDeleteRetentionInDays"),
        "PublicNetworkAccess": props.get("publicNetworkAccess", "Enabled"),
        "AccessPolicies": policies,
        "AccessPoliciesText": "\nTenant ID : ...",
        "NetworkAcls": {
            "DefaultAction": {"Allow": 0, "Deny": 1}[acls.get("defaultAction", "Allow")],
            "Bypass": {"None": 0, "AzureServices": 1}[acls.get("bypass", "AzureServices")],
            "IpAddressRanges": [r["value"] for r in acls.get("ipRules", [])],
            "VirtualNetworkResourceIds": [r["id"] for r in acls.get("virtualNetworkRules", [])],
        },
        "NetworkAclsText": "Default action: ...",
        "Tags": {},
        "TagsTable": None,
    }


def hsm_id(name: str, sub: str = SUB_A, rg: str = "keys") -> str:
    return (
        f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/managedHSMs/{name}"
    )


def managed_hsm(
    name: str = "hsm-app", *, sub: str = SUB_A, rg: str = "keys", **properties: Any
) -> dict:
    """A well-configured Managed HSM in the REST API's shape (ManagedHsm_Get, 2026-05-15)."""
    props: dict[str, Any] = {
        "tenantId": TENANT,
        "initialAdminObjectIds": [OTHER],
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
        "enablePurgeProtection": True,
        "hsmUri": f"https://{name}.managedhsm.azure.net",
        "provisioningState": "Succeeded",
        "statusMessage": "The Managed HSM is provisioned and ready to use.",
        "networkAcls": {
            "bypass": "AzureServices",
            "defaultAction": "Deny",
            "ipRules": [{"value": "203.0.113.0/28"}],
            "virtualNetworkRules": [],
        },
        "privateEndpointConnections": [],
        "publicNetworkAccess": "Enabled",
        "regions": [{"name": "westeurope", "isPrimary": True, "provisioningState": "Succeeded"}],
        "securityDomainProperties": {
            "activationStatus": "Active",
            "activationStatusMessage": "Your HSM has been activated",
        },
    }
    for key, value in properties.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return {
        "id": hsm_id(name, sub, rg),
        "name": name,
        "type": "Microsoft.KeyVault/managedHSMs",
        "location": "westeurope",
        "sku": {"family": "B", "name": "Standard_B1"},
        "tags": {},
        "properties": props,
    }


NSP = (
    f"/subscriptions/{SUB_A}/resourceGroups/net/providers/Microsoft.Network/"
    "networkSecurityPerimeters/nsp-prod"
)


def nsp_association(resource_id: str, mode: str = "Enforced", profile: str = "default") -> dict:
    """A resource association as the REST API (and az network perimeter association) returns it."""
    return {
        "id": f"{NSP}/resourceAssociations/assoc-kv",
        "name": "assoc-kv",
        "type": "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
        "properties": {
            "privateLinkResource": {"id": resource_id},
            "profile": {"id": f"{NSP}/profiles/{profile}"},
            "accessMode": mode,
            "provisioningState": "Succeeded",
            "hasProvisioningIssues": "no",
        },
    }


def nsp_rule(
    name: str,
    *,
    prefixes=(),
    subscriptions=(),
    profile: str = "default",
    direction: str = "Inbound",
) -> dict:
    return {
        "id": f"{NSP}/profiles/{profile}/accessRules/{name}",
        "name": name,
        "type": "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
        "properties": {
            "direction": direction,
            "addressPrefixes": list(prefixes),
            "fullyQualifiedDomainNames": [],
            "subscriptions": [{"id": f"/subscriptions/{s}"} for s in subscriptions],
            "emailAddresses": [],
            "phoneNumbers": [],
            "networkSecurityPerimeters": [],
            "provisioningState": "Succeeded",
        },
    }
