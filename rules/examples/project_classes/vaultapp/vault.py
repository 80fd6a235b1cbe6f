"""A Key Vault wrapper class, used by the routes in vaultapp/routes.py.

``# expect-tree:`` lines are reported when the whole project is linted: the routes that call
these methods on every request are in another module. ``__init__`` runs once per instance: once
for the instance the routes share (built at startup), but on every request for the one
``resolve()`` builds; the cached methods read once per name.
"""

import functools
import os

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

VAULT_URL = os.environ.get("VAULT_URL", "https://shop.vault.azure.net")


class VaultWrapper:
    def __init__(self, url=VAULT_URL):
        # once for the routes' shared instance, but resolve() builds one on every call, and the
        # route /config/{key} calls resolve() on every request: a client and a read per request
        self.client = SecretClient(url, DefaultAzureCredential())  # expect-tree: KV306@23 "new SecretClient", KV306@41 "new DefaultAzureCredential"
        self.signing_key = self.client.get_secret("signing-key").value  # expect-tree: KV305@28 "Key Vault read per request"

    def read(self, name):
        secret = self.client.get_secret(name)  # expect-tree: KV305@18 "Key Vault read per request"
        return secret.value

    def names(self):
        return [p.name for p in self.client.list_properties_of_secrets()]  # expect-tree: KV305@33 "Key Vault read per request"

    @functools.lru_cache(maxsize=32)
    def read_cached(self, name):
        return self.client.get_secret(name).value

    @functools.cached_property
    def api_key(self):
        return self.client.get_secret("api-key").value

    def describe(self):
        return f"secrets of {VAULT_URL}"


@functools.lru_cache(maxsize=1)
def get_vault():
    """One wrapper for the process (a FastAPI dependency)."""
    return VaultWrapper()


def show(name):
    print(VaultWrapper().read(name))  # expect: KV404@5 "Key Vault secret value printed"


def resolve(reference):
    """A ``vault://name`` reference, resolved through a wrapper this function builds."""
    if reference.startswith("vault://"):
        return VaultWrapper().read(reference.removeprefix("vault://"))
    return reference
