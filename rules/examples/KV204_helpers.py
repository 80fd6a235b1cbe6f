"""KV204 when the grant is made by a helper the function calls (same module here; an imported
helper in rules/examples/project_grants/): the helper's grant is as fresh as an inline one."""

import time

import tenacity
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
mgmt = KeyVaultManagementClient(credential, "subscription")
auth = AuthorizationManagementClient(credential, "subscription")
secrets = SecretClient("https://myvault.vault.azure.net", credential)


def grant_reader(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)


def assign_secrets_user(scope, principal):
    role = "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
    auth.role_assignments.create(scope, "name", {"role_definition_id": role, "principal_id": principal})


def onboard(rg, parameters):
    grant_reader(rg, parameters)  # a helper of a helper grants too


def describe_vault(rg):
    return mgmt.vaults.get(rg, "myvault")  # reads the vault's settings: grants nothing


def provision(rg, parameters):
    grant_reader(rg, parameters)
    return secrets.get_secret("db-password")  # expect: KV204@12 "Key Vault read right after `grant_reader()`"


def provision_role(scope, principal):
    assign_secrets_user(scope, principal)
    return secrets.get_secret("db-password").value  # expect: KV204@12 "Key Vault read right after"


def provision_nested(rg, parameters):
    onboard(rg, parameters)
    return [p.name for p in secrets.list_properties_of_secrets()]  # expect: KV204@29 "Key Vault read right after `onboard()`"


class Provisioner:
    def grant(self, rg, parameters):
        mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)

    def run(self, rg, parameters):
        self.grant(rg, parameters)
        return secrets.get_secret("db-password")  # expect: KV204@16 "Key Vault read right after `grant()`"


# ---- negatives -------------------------------------------------------------------------------
def describe_then_read(rg):
    describe_vault(rg)
    return secrets.get_secret("db-password")


def grant_then_pause(rg, parameters):
    grant_reader(rg, parameters)
    time.sleep(120)
    return secrets.get_secret("db-password")


@tenacity.retry(wait=tenacity.wait_exponential(max=60), stop=tenacity.stop_after_delay(600))
def grant_and_read_with_retry(rg, parameters):
    grant_reader(rg, parameters)
    return secrets.get_secret("db-password")


def read_then_grant(rg, parameters):
    current = secrets.get_secret("db-password")
    grant_reader(rg, parameters)
    return current
