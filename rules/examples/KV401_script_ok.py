"""KV401/KV402 negatives: a command-line script printing a secret or a token. Printing a secret
value is KV404's, in any module (CI logs, terminals); KV401 is for logs and HTTP responses. A
token printed by a script is its output (KV402 counts print only in web / Functions apps)."""

import os

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient


def run_sample():
    client = SecretClient(os.environ["VAULT_URL"], DefaultAzureCredential())
    secret = client.get_secret("db-password")
    print(f"Secret {secret.name} has value {secret.value}")  # expect: KV404@5 "Key Vault secret value printed"


if __name__ == "__main__":
    credential = DefaultAzureCredential()
    print(credential.get_token("https://vault.azure.net/.default").token)
    run_sample()
