"""KV204 keyvault-no-retry-after-policy-change."""

import time

import tenacity
from azure.identity import DefaultAzureCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import (
    AccessPolicyEntry,
    Permissions,
    VaultAccessPolicyParameters,
    VaultAccessPolicyProperties,
)
from azure.keyvault.secrets import SecretClient

credential = DefaultAzureCredential()
mgmt = KeyVaultManagementClient(credential, "subscription")
auth = AuthorizationManagementClient(credential, "subscription")
secrets = SecretClient("https://myvault.vault.azure.net", credential)


def grant_and_read(rg, object_id):
    entry = AccessPolicyEntry(
        tenant_id="t", object_id=object_id, permissions=Permissions(secrets=["get"])
    )
    mgmt.vaults.update_access_policy(
        rg, "myvault", "add",
        VaultAccessPolicyParameters(properties=VaultAccessPolicyProperties(access_policies=[entry])),
    )
    return secrets.get_secret("db-password")  # expect: KV204@12 "Key Vault read right after"


def assign_role_then_list(scope, role_id, principal):
    auth.role_assignments.create(scope, "name", {"role_definition_id": role_id, "principal_id": principal})
    return [p.name for p in secrets.list_properties_of_secrets()]  # expect: KV204@29 "Key Vault read right after"


def create_vault_then_read(rg, params):
    poller = mgmt.vaults.begin_create_or_update(rg, "myvault", {"properties": {"accessPolicies": params}})
    poller.result()
    value = secrets.get_secret("first").value  # expect: KV204@13 "Key Vault read right after"
    return value


def wait_before_the_grant(rg, parameters):
    time.sleep(30)  # a pause before the grant does not help the read after it
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)
    return secrets.get_secret("db-password")  # expect: KV204@12 "Key Vault read right after"


def wait_for_propagation_stub():
    """Named like a wait, but it does not wait."""
    return None


def grant_then_no_real_wait(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)
    wait_for_propagation_stub()
    return secrets.get_secret("db-password")  # expect: KV204@12 "Key Vault read right after"


# ---- negatives -------------------------------------------------------------------------------
# Read before the grant.
def read_then_grant(rg, parameters):
    current = secrets.get_secret("x")
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)
    return current


# A retry decorator around the function.
@tenacity.retry(wait=tenacity.wait_exponential(max=60), stop=tenacity.stop_after_delay(600))
def grant_and_read_with_retry(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)
    return secrets.get_secret("db-password")


# A hand-written retry loop.
def grant_and_poll(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)
    for attempt in range(10):
        try:
            return secrets.get_secret("db-password")
        except Exception:
            time.sleep(2**attempt)
    raise RuntimeError("no access")


# Creating a vault without access policies grants nothing.
def create_rbac_vault(rg):
    mgmt.vaults.begin_create_or_update(rg, "v", {"properties": {"enableRbacAuthorization": True}})
    return secrets.get_secret("x")


# The read happens in another function.
def grant(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)


def read():
    return secrets.get_secret("db-password")


# A look-alike "role_assignments" on an unrelated object, with no Key Vault read after it.
def unrelated(db):
    db.role_assignments.create("x")
    return db.get("x")


# The code already waits for the grant to take effect: a pause, a helper that pauses, a
# retried probe read (polling until access works), a retrying helper.
def grant_then_pause(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)
    time.sleep(120)
    return secrets.get_secret("db-password")


def wait_for_propagation(seconds=60):
    time.sleep(seconds)


def grant_then_wait_helper(scope, role_id, principal):
    auth.role_assignments.create(scope, "name", {"role_definition_id": role_id, "principal_id": principal})
    wait_for_propagation()
    return secrets.get_secret("db-password")


def grant_then_probe(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)
    for attempt in range(8):
        try:
            secrets.get_secret("probe")
            break
        except Exception:
            time.sleep(2**attempt)
    return secrets.get_secret("db-password").value


@tenacity.retry(wait=tenacity.wait_fixed(10), stop=tenacity.stop_after_delay(600))
def until_readable():
    secrets.get_properties_of_secret("probe")


def grant_then_retrying_helper(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "myvault", "add", parameters)
    until_readable()
    return secrets.get_secret("db-password")
