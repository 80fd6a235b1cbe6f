"""A helper class that builds its Key Vault client and reads a secret on every call; the views
reach it through `from portal.analytics import *` (a star import)."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

VAULT_URL = "https://contoso-portal.vault.azure.net/"


class Analytics:
    def api_key(self) -> str:
        client = SecretClient(VAULT_URL, DefaultAzureCredential())  # expect-tree: KV306@18 "new SecretClient", KV306@42 "new DefaultAzureCredential"
        return client.get_secret("analytics-key").value  # expect-tree: KV305@16 "Key Vault read per request"


class Report:
    """Not used by any view: its read is never per request."""

    def token(self) -> str:
        return SecretClient(VAULT_URL, DefaultAzureCredential()).get_secret("report").value
