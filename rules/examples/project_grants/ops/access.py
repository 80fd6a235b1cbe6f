"""Access changes, one helper each: their summaries say which grant every call makes."""

from azure.identity import DefaultAzureCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient

credential = DefaultAzureCredential()
mgmt = KeyVaultManagementClient(credential, "subscription")
auth = AuthorizationManagementClient(credential, "subscription")
SECRETS_USER = "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"


def grant_reader(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)


def assign_secrets_user(scope, principal):
    body = {"role_definition_id": SECRETS_USER, "principal_id": principal}
    auth.role_assignments.create(scope, "name", body)


def describe_vault(rg):
    return mgmt.vaults.get(rg, "myvault")
