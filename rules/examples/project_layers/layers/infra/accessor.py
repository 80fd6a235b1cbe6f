"""The accessor: reads the secret on every call (KV305 where a route reaches it)."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


def read_secret(name):
    return client.get_secret(name).value  # expect-tree: KV305@12 "Key Vault read per request"
