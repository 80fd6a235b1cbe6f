"""The accessor: reads the secret its parameter names, on every call.

``# expect-tree:`` lines are reported when the whole project is linted: the routes and tasks
that reach these functions are two modules away (billing/web/views.py and
billing/workers/jobs.py call billing/services/invoices.py, which calls these).
"""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

VAULT_URL = "https://billing.vault.azure.net"
client = SecretClient(VAULT_URL, DefaultAzureCredential())


def read_secret(name):
    return client.get_secret(name).value  # expect-tree: KV305@12 "Key Vault read per request"


def signing_client():
    return SecretClient(VAULT_URL, DefaultAzureCredential())  # expect-tree: KV306@12 "new SecretClient", KV306@36 "new DefaultAzureCredential"


def audit_secret(name):
    return client.get_secret(name).value  # called at startup and by a script only
