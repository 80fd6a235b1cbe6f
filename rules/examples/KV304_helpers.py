"""KV304 / KV308 through a helper: the read is in a function or a wrapper class's method, the
loop is around the helper's call (reported there)."""

import functools

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

VAULT_URL = "https://contoso.vault.azure.net"
client = SecretClient(VAULT_URL, DefaultAzureCredential())


def read(name):
    return client.get_secret(name).value


@functools.lru_cache(maxsize=64)
def read_cached(name):
    return client.get_secret(name).value


class Vault:
    def __init__(self):
        self.client = SecretClient(VAULT_URL, DefaultAzureCredential())

    def get(self, name):
        return self.client.get_secret(name).value

    def names(self):
        return [p.name for p in self.client.list_properties_of_secrets()]

    def export(self):
        return {name: self.get(name) for name in self.names()}  # expect: KV308@23 "get_secret() (in the helper get()) for every"


def load(names):
    return {name: read(name) for name in names}  # expect: KV304@19 "Key Vault read (get_secret() in the helper"


def load_all(names):
    vault = Vault()
    values = {}
    for name in names:
        values[name] = vault.get(name)  # expect: KV304@24 "Key Vault read (get_secret() in the helper"
    return values


# ---- negatives -------------------------------------------------------------------------------
def load_fixed():
    return [read(name) for name in ("db-password", "api-key")]  # a fixed list of names


def load_cached(names):
    return [read_cached(name) for name in names]  # cached where it is defined


class Store:
    """The wrapper's method names, and no Key Vault behind them."""

    def __init__(self):
        self.items = {"db-password": "x"}

    def get(self, name):
        return self.items.get(name)

    def names(self):
        return list(self.items)


def copy(names):
    store = Store()
    return [store.get(name) for name in names] + [store.get(n) for n in store.names()]

