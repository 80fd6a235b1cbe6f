"""The session: its ``open()`` builds a credential and a client and reads a secret on every call
(per request when a view reaches it; see layers/web/views.py)."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient


class VaultSession:
    def __init__(self):
        self.password = None

    def open(self):
        self.password = self._read("reports-db")
        return self

    def _read(self, name):
        credential = DefaultAzureCredential()  # expect-tree: KV306@22 "new DefaultAzureCredential"
        client = SecretClient("https://contoso.vault.azure.net", credential)  # expect-tree: KV306@18 "new SecretClient"
        return client.get_secret(name).value  # expect-tree: KV305@16 "Key Vault read per request"

    def token_for(self, name):
        return name
