"""A service class whose constructor builds a client and reads the vault: constructed by a
route on every request (billing/web/views.py), and once at import for another route."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

from billing.secrets import VAULT_URL


class ReportService:
    def __init__(self):
        self.client = SecretClient(VAULT_URL, DefaultAzureCredential())  # expect-tree: KV306@23 "new SecretClient", KV306@47 "new DefaultAzureCredential"
        self.key = self.client.get_secret("report-key").value  # expect-tree: KV305@20 "Key Vault read per request"

    def title(self):
        return "reports"
