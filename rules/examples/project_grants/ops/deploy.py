"""A deployment step: grants through ops.access, then reads the vault (KV204 at the read)."""

import time

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

from ops.access import assign_secrets_user, describe_vault, grant_reader

secrets = SecretClient("https://myvault.vault.azure.net", DefaultAzureCredential())


def provision(rg, parameters):
    grant_reader(rg, parameters)
    return secrets.get_secret("db-password")  # expect: KV204@12 "Key Vault read right after `grant_reader()`"


def provision_role(scope, principal):
    assign_secrets_user(scope, principal)
    return secrets.get_secret("db-password").value  # expect: KV204@12 "Key Vault read right after"


def describe_then_read(rg):
    describe_vault(rg)
    return secrets.get_secret("db-password")


def grant_then_pause(rg, parameters):
    grant_reader(rg, parameters)
    time.sleep(120)
    return secrets.get_secret("db-password")
