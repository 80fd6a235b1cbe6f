"""A service and a job calling the helper classes of ops/audit.py."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

from ops.audit import Audit, Ledger, make_audit

credential = DefaultAzureCredential()
client = SecretClient("https://ops.vault.azure.net", credential)


class Service:
    def __init__(self):
        self.audit = Audit()
        self.ledger = Ledger()

    def rotate(self):
        secret = client.get_secret("db-password")
        self.audit.record("rotated", secret.value)  # expect: KV401@9 "Key Vault secret value logged through"
        self.audit.record(secret.name, "rotated")
        self.audit.size(secret.value)
        self.audit.show(secret.value)  # expect: KV404@9 "Key Vault secret value printed"
        self.ledger.record("rotated", secret.value)


def job(history):
    token = credential.get_token("https://vault.azure.net/.default")
    audit = make_audit()
    audit.record("token", token.token)  # expect: KV402@5 "access token logged through `Audit.record()`"
    audit.record("expires", token.expires_on)
    Audit().record("token", token)  # expect: KV402@5 "access token logged through `Audit.record()`"
    Ledger().record("token", token.token)
    history.record("token", token.token)  # history: a parameter, nothing known of it
