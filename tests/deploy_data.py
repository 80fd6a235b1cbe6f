"""Terraform written as the azurerm / azuread / time provider docs write it, for the KVA7xx
tests: a vault, what the deployment writes into it, and the grants it makes."""

from __future__ import annotations

from tests.audit_data import APP, TENANT

DEPLOYER = "5b0f7d1e-2c3a-4e5f-8a9b-0c1d2e3f4a5b"  # the CI service principal's object id
SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"

VAULT = """\
data "azurerm_client_config" "current" {{}}

resource "azurerm_key_vault" "kv" {{
  name                       = "kv-deploy"
  location                   = "westeurope"
  resource_group_name        = "rg-app"
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  purge_protection_enabled   = true
  rbac_authorization_enabled = {rbac}
{body}
}}
"""

SECRET = """\
resource "azurerm_key_vault_secret" "db" {{
  name         = "db-password"
  value        = random_password.db.result
  key_vault_id = azurerm_key_vault.kv.id{extra}
}}
"""

DEPLOYER_ROLE = """\
resource "azurerm_role_assignment" "deployer" {
  scope                = azurerm_key_vault.kv.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}
"""

SLEEP = """\
resource "time_sleep" "rbac" {
  create_duration = "300s"
  depends_on      = [azurerm_role_assignment.deployer]
}
"""

PRIVATE_ENDPOINT = """\
resource "azurerm_private_endpoint" "kv" {
  name                = "pe-kv-deploy"
  location            = "westeurope"
  resource_group_name = "rg-app"
  subnet_id           = var.runner_subnet_id

  private_service_connection {
    name                           = "kv-deploy"
    private_connection_resource_id = azurerm_key_vault.kv.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}
"""

DEPLOYER_POLICY = """\
  access_policy {
    tenant_id          = data.azurerm_client_config.current.tenant_id
    object_id          = data.azurerm_client_config.current.object_id
    secret_permissions = ["Get", "Set", "Delete", "Purge"]
  }"""


def module(
    *,
    rbac: bool = True,
    body: str = "",
    secret: str = "",
    extra: str = "",
) -> dict[str, str]:
    """A module's files: main.tf (the vault and ``extra`` resources), secrets.tf (the write)."""
    return {
        "main.tf": VAULT.format(rbac=str(rbac).lower(), body=body) + extra,
        "secrets.tf": SECRET.format(extra=secret),
    }


def plan_for_write(*, with_sleep: bool) -> dict:
    """`terraform show -json` of an RBAC vault, a role assignment for the deployer and a secret
    (the data source read during plan: the deployer's object id is in prior_state)."""
    changes = [
        {
            "address": "azurerm_key_vault.kv",
            "mode": "managed",
            "type": "azurerm_key_vault",
            "name": "kv",
            "change": {
                "actions": ["create"],
                "after": {
                    "name": "kv-plan",
                    "location": "westeurope",
                    "tenant_id": TENANT,
                    "rbac_authorization_enabled": True,
                    "purge_protection_enabled": True,
                    "public_network_access_enabled": True,
                    "network_acls": [],
                    "access_policy": [],
                },
                "after_unknown": {"id": True, "vault_uri": True},
            },
        },
        {
            "address": "azurerm_role_assignment.deployer",
            "mode": "managed",
            "type": "azurerm_role_assignment",
            "name": "deployer",
            "change": {
                "actions": ["create"],
                "after": {
                    "principal_id": DEPLOYER,
                    "role_definition_name": "Key Vault Secrets Officer",
                    "condition": None,
                },
                "after_unknown": {"id": True, "scope": True, "role_definition_id": True},
            },
        },
        {
            "address": "azurerm_key_vault_secret.db",
            "mode": "managed",
            "type": "azurerm_key_vault_secret",
            "name": "db",
            "change": {
                "actions": ["create"],
                "after": {"name": "db-password", "value": "(sensitive)"},
                "after_unknown": {"id": True, "key_vault_id": True},
            },
        },
    ]
    resources = [
        {"address": "azurerm_key_vault.kv", "type": "azurerm_key_vault", "expressions": {}},
        {
            "address": "azurerm_role_assignment.deployer",
            "type": "azurerm_role_assignment",
            "expressions": {
                "scope": {"references": ["azurerm_key_vault.kv.id", "azurerm_key_vault.kv"]},
                "principal_id": {
                    "references": [
                        "data.azurerm_client_config.current.object_id",
                        "data.azurerm_client_config.current",
                    ]
                },
            },
        },
        {
            "address": "azurerm_key_vault_secret.db",
            "type": "azurerm_key_vault_secret",
            "expressions": {
                "key_vault_id": {"references": ["azurerm_key_vault.kv.id", "azurerm_key_vault.kv"]}
            },
            "depends_on": ["time_sleep.rbac" if with_sleep else "azurerm_role_assignment.deployer"],
        },
    ]
    if with_sleep:
        changes.append(
            {
                "address": "time_sleep.rbac",
                "mode": "managed",
                "type": "time_sleep",
                "name": "rbac",
                "change": {"actions": ["create"], "after": {"create_duration": "300s"}},
            }
        )
        resources.append(
            {
                "address": "time_sleep.rbac",
                "type": "time_sleep",
                "expressions": {"create_duration": {"constant_value": "300s"}},
                "depends_on": ["azurerm_role_assignment.deployer"],
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "prior_state": {
            "values": {
                "root_module": {
                    "resources": [
                        {
                            "address": "data.azurerm_client_config.current",
                            "mode": "data",
                            "type": "azurerm_client_config",
                            "name": "current",
                            "values": {
                                "client_id": APP,
                                "object_id": DEPLOYER,
                                "subscription_id": SUBSCRIPTION,
                                "tenant_id": TENANT,
                            },
                        }
                    ]
                }
            }
        },
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": resources}},
    }
