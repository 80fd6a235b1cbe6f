"""A package in a folder that is no project (no pyproject.toml, setup.py or setup.cfg):
nothing installs it by name, so an import of it stays unknown."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


def read_secret(name):
    return client.get_secret(name).value
