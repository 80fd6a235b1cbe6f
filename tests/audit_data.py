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
