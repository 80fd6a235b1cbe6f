"""KV401/KV402 negatives: a command-line script whose output *is* the secret (like the SDK
samples or `az keyvault secret show`). print() is a sink only in web / Functions apps, where
stdout ends up in the platform's logs; logging is a sink everywhere (see KV401.py)."""

import os

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient


def run_sample():
    client = SecretClient(os.environ["VAULT_URL"], DefaultAzureCredential())
    secret = client.get_secret("db-password")
    print(f"Secret {secret.name} has value {secret.value}")


if __name__ == "__main__":
    credential = DefaultAzureCredential()
    print(credential.get_token("https://vault.azure.net/.default").token)
    run_sample()
