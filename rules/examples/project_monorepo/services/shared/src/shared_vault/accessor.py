"""A shared package of the monorepo (its own pyproject.toml, a src layout), installed by name
in the services beside it: services/web imports it as ``shared_vault``."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


def read_secret(name):
    return client.get_secret(name).value  # expect-tree: KV305@12 "Key Vault read per request"
