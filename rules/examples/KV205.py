"""KV205 keyvault-management-role-for-data-access."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RG = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/app"
VAULT = f"{RG}/providers/Microsoft.KeyVault/vaults/app-kv"
ROLES = "/providers/Microsoft.Authorization/roleDefinitions"
READER = f"{ROLES}/acdd72a7-3385-48ef-bd42-f606fba81ae7"
SECRETS_USER = f"{ROLES}/4633458b-17de-408a-b874-0445c86b69e6"

credential = DefaultAzureCredential()
authorization = AuthorizationManagementClient(credential, SUBSCRIPTION)
secrets = SecretClient("https://app-kv.vault.azure.net", credential)
keys = KeyClient("https://app-kv.vault.azure.net", credential)


def grant_reader_then_read(principal_id, name):
    authorization.role_assignments.create(
        VAULT,
        name,
        RoleAssignmentCreateParameters(
            role_definition_id=READER,  # expect: KV205@32 "role assignment grants 'Reader' on the vault"
            principal_id=principal_id,
        ),
    )
    return secrets.get_secret("db-password")  # expect: KV204@12 "Key Vault read right after"


def grant_contributor_dict(principal_id, name):
    parameters = {
        "properties": {
            "roleDefinitionId": f"{ROLES}/b24988ac-6180-42a0-ab88-20f7382dd24c",  # expect: KV205@33 "role assignment grants 'Contributor' on the"
            "principalId": principal_id,
        }
    }
    authorization.role_assignments.create(scope=VAULT, role_assignment_name=name, parameters=parameters)
    return keys.get_key("signing")  # expect: KV204@12 "Key Vault read right after"


# ---- negatives -------------------------------------------------------------------------------
# The data-plane role: reads work (KV204 still says: wait for the assignment to apply).
def grant_secrets_user_then_read(principal_id, name):
    authorization.role_assignments.create(
        VAULT, name, {"role_definition_id": SECRETS_USER, "principal_id": principal_id}
    )
    return secrets.get_secret("db-password")  # expect: KV204@12 "Key Vault read right after"


# Reader for an operator who manages the vault: nothing here reads its data.
def grant_operator(principal_id, name):
    authorization.role_assignments.create(
        VAULT, name, {"role_definition_id": READER, "principal_id": principal_id}
    )


# Reader on a resource group scope that is not a vault: no data read follows in this function.
def grant_rg_reader(principal_id, name):
    authorization.role_assignments.create(
        RG, name, {"role_definition_id": READER, "principal_id": principal_id}
    )


# A look-alike role_assignments object with a Reader id string and a read after it.
def unrelated(store, principal_id):
    store.role_assignments.create(VAULT, "x", {"role_definition_id": READER})
    return store.get("x")
