"""Key Vault accessors shared by the views (project-wide KV305 / KV306 / KV401).

``# expect-tree:`` lines are reported when the whole project is linted: the routes that call
these accessors are in shop/web/views.py. ``_private`` and ``read_cached`` never are.
"""

import functools

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

from .settings import VAULT_URL

__all__ = ["get_value", "fresh_value", "read_cached", "startup_value"]

client = SecretClient(VAULT_URL, DefaultAzureCredential())


def get_value(name):
    return client.get_secret(name).value  # expect-tree: KV305@12 "Key Vault read per request"


def fresh_value():
    fresh = SecretClient(VAULT_URL, DefaultAzureCredential())  # expect-tree: KV306@13 "new SecretClient", KV306@37 "new DefaultAzureCredential"
    return fresh.get_secret("api-key").value  # expect-tree: KV305@12 "Key Vault read per request"


@functools.lru_cache(maxsize=16)
def read_cached(name):
    return client.get_secret(name).value


def startup_value():
    return "not from the vault"


def _private(name):
    return client.get_secret(name).value
