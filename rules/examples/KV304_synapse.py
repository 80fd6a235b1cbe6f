"""Synapse and Fabric notebooks read Key Vault through mssparkutils / notebookutils."""

import time

from notebookutils import mssparkutils

# Once, on the driver.
connection = mssparkutils.credentials.getSecret("contoso-kv", "sql-connection")

# One read per customer row collected to the driver.
for customer in spark.table("customers").collect():
    key = mssparkutils.credentials.getSecret("contoso-kv", customer.key_name)  # expect: KV304@11 "Key Vault read inside a for loop over data that"

# Through a linked service, in a loop over a folder listing.
for item in mssparkutils.fs.ls("abfss://landing@contoso.dfs.core.windows.net/"):
    mssparkutils.credentials.getSecretWithLS("kv-linked", item.name)  # expect: KV304@5 "Key Vault read inside a for loop over data that"


def wait_for_rotation(previous):
    # Fabric's notebookutils is a notebook global there, as mssparkutils is in Synapse.
    while notebookutils.credentials.getSecret("https://contoso.vault.azure.net/", "api-key") == previous:  # expect: KV304@11 "Key Vault read inside a while loop"
        time.sleep(30)


# A token, not a secret read: getToken goes to Entra ID, not to the vault.
for _ in range(3):
    storage_token = mssparkutils.credentials.getToken("storage")


# Look-alikes on other objects are not reads.
class Vault:
    def getSecret(self, vault, name):
        return f"{vault}/{name}"


credentials = Vault()
for name in ["a", "b", "c"] + extra_names:
    credentials.getSecret("contoso-kv", name)


def rotate_all(names):
    from notebookutils.mssparkutils.credentials import getSecret

    return {name: getSecret("contoso-kv", name) for name in names}  # expect: KV304@19 "Key Vault read inside a comprehension over data"
