"""Infrastructure code for the audit tests, written from Microsoft's and HashiCorp's docs:
an ARM template in the shape of the Key Vault quickstart (azuredeploy.json), its Bicep build
output (languageVersion 2.0, symbolic resources) and a `terraform show -json` plan."""

from __future__ import annotations

import json

from tests.audit_data import APP, TENANT

ARM_TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "metadata": {"_generator": {"name": "bicep", "version": "0.30.23.60470"}},
    "parameters": {
        "keyVaultName": {"type": "string", "defaultValue": "kv-quickstart"},
        "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
        "objectId": {"type": "string", "metadata": {"description": "given at deployment"}},
        "networkDefault": {"type": "string", "defaultValue": "Allow"},
        "publicAccess": {"type": "string"},
        "skuName": {"type": "string", "defaultValue": "standard"},
    },
    "variables": {
        "appVault": "[format('{0}-app', parameters('keyVaultName'))]",
        "lockedVault": "[concat(parameters('keyVaultName'), '-locked')]",
    },
    "resources": [
        {
            "type": "Microsoft.KeyVault/vaults",
            "apiVersion": "2023-07-01",
            "name": "[parameters('keyVaultName')]",
            "location": "[parameters('location')]",
            "properties": {
                "enabledForDeployment": False,
                "enabledForDiskEncryption": False,
                "enabledForTemplateDeployment": False,
                "tenantId": "[subscription().tenantId]",
                "accessPolicies": [
                    {
                        "objectId": "[parameters('objectId')]",
                        "tenantId": "[subscription().tenantId]",
                        "permissions": {"keys": ["list"], "secrets": ["all"]},  # noqa: KV203
                    }
                ],
                "sku": {"name": "[parameters('skuName')]", "family": "A"},
                "networkAcls": {
                    "defaultAction": "[parameters('networkDefault')]",
                    "bypass": "AzureServices",
                },
            },
        },
        {
            "type": "Microsoft.KeyVault/vaults",
            "apiVersion": "2023-07-01",
            "name": "[variables('appVault')]",
            "location": "[parameters('location')]",
            "properties": {
                "tenantId": "[subscription().tenantId]",
                "sku": {"name": "standard", "family": "A"},
                "enablePurgeProtection": True,
                "publicNetworkAccess": "[parameters('publicAccess')]",
                "accessPolicies": [],
            },
            "resources": [
                {
                    "type": "privateEndpointConnections",
                    "apiVersion": "2023-07-01",
                    "name": "pe-app",
                    "dependsOn": [
                        "[resourceId('Microsoft.KeyVault/vaults', variables('appVault'))]"
                    ],
                    "properties": {
                        "privateLinkServiceConnectionState": {
                            "status": "Rejected",
                            "description": "no",
                        }
                    },
                }
            ],
        },
        {
            "type": "Microsoft.KeyVault/vaults/accessPolicies",
            "apiVersion": "2023-07-01",
            "name": "[format('{0}/add', variables('appVault'))]",
            "properties": {
                "accessPolicies": [
                    {
                        "tenantId": "[subscription().tenantId]",
                        "objectId": APP,
                        "permissions": {"secrets": ["get", "list"]},
                    }
                ]
            },
        },
        {
            "type": "Microsoft.KeyVault/vaults",
            "apiVersion": "2023-07-01",
            "name": "[variables('lockedVault')]",
            "location": "westeurope",
            "properties": {
                "tenantId": TENANT,
                "sku": {"name": "standard", "family": "A"},
                "enablePurgeProtection": True,
                "enableRbacAuthorization": True,
                "publicNetworkAccess": "Disabled",
            },
        },
        {
            "type": "Microsoft.Network/privateEndpoints",
            "apiVersion": "2023-11-01",
            "name": "pe-locked",
            "location": "westeurope",
            "properties": {
                "subnet": {"id": "[parameters('location')]"},
                "manualPrivateLinkServiceConnections": [
                    {
                        "name": "to-locked",
                        "properties": {
                            "privateLinkServiceId": "[resourceId('Microsoft.KeyVault/vaults', variables('lockedVault'))]",
                            "groupIds": ["vault"],
                        },
                    }
                ],
            },
        },
        {
            "condition": "[equals(parameters('skuName'), 'premium')]",
            "type": "Microsoft.KeyVault/vaults",
            "apiVersion": "2023-07-01",
            "name": "kv-only-when-premium",
            "location": "westeurope",
            "properties": {"tenantId": TENANT, "sku": {"name": "premium", "family": "A"}},
        },
    ],
}

BICEP_BUILD = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "languageVersion": "2.0",
    "contentVersion": "1.0.0.0",
    "parameters": {"name": {"type": "string", "defaultValue": "kv-bicep"}},
    "resources": {
        "shared": {
            "existing": True,
            "type": "Microsoft.KeyVault/vaults",
            "apiVersion": "2023-07-01",
            "name": "kv-shared",
        },
        "kv": {
            "type": "Microsoft.KeyVault/vaults",
            "apiVersion": "2023-07-01",
            "name": "[parameters('name')]",
            "location": "[resourceGroup().location]",
            "properties": {
                "tenantId": "[tenant().tenantId]",
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": True,
                "enablePurgeProtection": True,
                "softDeleteRetentionInDays": 7,
                "networkAcls": {
                    "defaultAction": "Deny",
                    "bypass": "None",
                    "ipRules": [{"value": "10.0.0.0/8"}],
                },
            },
        },
    },
}


def template_text(template: dict) -> str:
    return json.dumps(template, indent=2)


def line_of(text: str, needle: str) -> int:
    """The line of the object that holds ``needle`` (the line of its opening brace)."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if needle in line)
    while "{" not in lines[index]:
        index -= 1
    return index + 1


PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.9.5",
    "planned_values": {"root_module": {"resources": []}},
    "resource_changes": [
        {
            "address": "azurerm_key_vault.open",
            "mode": "managed",
            "type": "azurerm_key_vault",
            "name": "open",
            "provider_name": "registry.terraform.io/hashicorp/azurerm",
            "change": {
                "actions": ["create"],
                "before": None,
                "after": {
                    "name": "kv-tf-open",
                    "location": "westeurope",
                    "resource_group_name": "rg-app",
                    "sku_name": "standard",
                    "tenant_id": TENANT,
                    "enabled_for_deployment": None,
                    "enabled_for_disk_encryption": None,
                    "enabled_for_template_deployment": None,
                    "enable_rbac_authorization": False,
                    "purge_protection_enabled": False,
                    "public_network_access_enabled": True,
                    "soft_delete_retention_days": 90,
                    "network_acls": [
                        {
                            "bypass": "AzureServices",
                            "default_action": "Allow",
                            "ip_rules": None,
                            "virtual_network_subnet_ids": None,
                        }
                    ],
                    "access_policy": [
                        {
                            "tenant_id": TENANT,
                            "object_id": APP,
                            "application_id": "",
                            "key_permissions": ["Get"],
                            "secret_permissions": ["Get", "List", "Purge"],
                            "certificate_permissions": [],
                            "storage_permissions": [],
                        }
                    ],
                    "tags": None,
                    "timeouts": None,
                },
                "after_unknown": {
                    "id": True,
                    "vault_uri": True,
                    "access_policy": [{"certificate_permissions": [], "key_permissions": [False]}],
                    "network_acls": [{}],
                },
            },
        },
        {
            "address": "azurerm_key_vault.rbac",
            "mode": "managed",
            "type": "azurerm_key_vault",
            "name": "rbac",
            "change": {
                "actions": ["create"],
                "after": {
                    "name": "kv-tf-rbac",
                    "location": "westeurope",
                    "rbac_authorization_enabled": True,
                    "purge_protection_enabled": True,
                    "public_network_access_enabled": False,
                    "soft_delete_retention_days": 90,
                    "network_acls": [],
                    "access_policy": [],
                },
                "after_unknown": {"id": True, "tenant_id": True, "vault_uri": True},
            },
        },
        {
            "address": "azurerm_key_vault_access_policy.reader",
            "mode": "managed",
            "type": "azurerm_key_vault_access_policy",
            "name": "reader",
            "change": {
                "actions": ["create"],
                "after": {
                    "tenant_id": TENANT,
                    "object_id": "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70",
                    "application_id": None,
                    "key_permissions": None,
                    "secret_permissions": ["Get"],
                    "certificate_permissions": None,
                    "storage_permissions": None,
                },
                "after_unknown": {"id": True, "key_vault_id": True},
            },
        },
        {
            "address": "azurerm_private_endpoint.rbac",
            "mode": "managed",
            "type": "azurerm_private_endpoint",
            "name": "rbac",
            "change": {
                "actions": ["create"],
                "after": {
                    "name": "pe-kv-rbac",
                    "private_service_connection": [
                        {
                            "name": "kv",
                            "is_manual_connection": False,
                            "subresource_names": ["vault"],
                        }
                    ],
                },
                "after_unknown": {
                    "id": True,
                    "private_service_connection": [{"private_connection_resource_id": True}],
                },
            },
        },
        {
            "address": "azurerm_key_vault.gone",
            "mode": "managed",
            "type": "azurerm_key_vault",
            "name": "gone",
            "change": {"actions": ["delete"], "before": {"name": "kv-gone"}, "after": None},
        },
    ],
    "configuration": {
        "provider_config": {"azurerm": {"name": "azurerm"}},
        "root_module": {
            "resources": [
                {
                    "address": "azurerm_key_vault.open",
                    "type": "azurerm_key_vault",
                    "expressions": {},
                },
                {
                    "address": "azurerm_key_vault.rbac",
                    "type": "azurerm_key_vault",
                    "expressions": {},
                },
                {
                    "address": "azurerm_key_vault_access_policy.reader",
                    "type": "azurerm_key_vault_access_policy",
                    "expressions": {
                        "key_vault_id": {
                            "references": ["azurerm_key_vault.open.id", "azurerm_key_vault.open"]
                        }
                    },
                },
                {
                    "address": "azurerm_private_endpoint.rbac",
                    "type": "azurerm_private_endpoint",
                    "expressions": {
                        "private_service_connection": [
                            {
                                "private_connection_resource_id": {
                                    "references": [
                                        "azurerm_key_vault.rbac.id",
                                        "azurerm_key_vault.rbac",
                                    ]
                                }
                            }
                        ]
                    },
                },
            ]
        },
    },
}
