"""Functions returning many secrets at once: each summary says what each item carries (the
second position of each pair, a dict's values but not its keys)."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

NAMES = ("db-password", "api-key")
client = SecretClient("https://batch.vault.azure.net", DefaultAzureCredential())


def fetch_all():
    return [(name, client.get_secret(name).value) for name in NAMES]


def fetch_map():
    found = {}
    for name in NAMES:
        found[name] = client.get_secret(name).value
    return found


def fetch_values():
    values = []
    for name in NAMES:
        values.append(client.get_secret(name).value)
    return values


def names():
    return [p.name for p in client.list_properties_of_secrets()]
