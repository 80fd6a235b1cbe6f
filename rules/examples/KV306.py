"""KV306 keyvault-client-per-call."""

import functools
import os

from azure.identity import ClientSecretCredential, DefaultAzureCredential
from azure.identity.aio import DefaultAzureCredential as AsyncDefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient
from flask import Flask

VAULT_URL = os.environ.get("VAULT_URL", "https://contoso.vault.azure.net")
app = Flask(__name__)


def get_secret(name):
    credential = DefaultAzureCredential()  # expect: KV306
    secret_client = SecretClient(vault_url=VAULT_URL, credential=credential)  # expect: KV306
    return secret_client.get_secret(name).value


async def get_secret_async(name):
    async with AsyncSecretClient(VAULT_URL, AsyncDefaultAzureCredential()) as aio:  # expect: KV306, KV306
        return (await aio.get_secret(name)).value


@app.route("/")
def index():
    per_request = SecretClient(VAULT_URL, DefaultAzureCredential())  # expect: KV306, KV306
    return str(per_request.vault_url)


def rotate(names, credential):
    for name in names:
        keys = KeyClient(VAULT_URL, credential)  # expect: KV306
        keys.rotate_key(name)


class Reader:
    def value(self, name):
        reader_client = SecretClient(VAULT_URL, DefaultAzureCredential())  # expect: KV306, KV306
        return reader_client.get_secret(name).value


# ---- negatives -------------------------------------------------------------------------------
credential = DefaultAzureCredential()
client = SecretClient(VAULT_URL, credential)  # module level: built once


def read(name):
    return client.get_secret(name).value


@functools.cache
def vault_client(vault_url):
    return SecretClient(vault_url, credential)


def read_cached(vault_url, name):
    return vault_client(vault_url).get_secret(name).value


class Service:
    def __init__(self):
        self.client = SecretClient(VAULT_URL, DefaultAzureCredential())

    def secret(self, name):
        return self.client.get_secret(name).value


_lazy = None


def lazy_client():
    global _lazy
    if _lazy is None:
        _lazy = SecretClient(VAULT_URL, DefaultAzureCredential())
    return _lazy


class LazyHolder:
    def __init__(self):
        self._client = None

    def secret(self, name):
        if self._client is None:
            self._client = SecretClient(VAULT_URL, credential)
        return self._client.get_secret(name).value


def clients_per_vault(vault_urls):
    # One client per vault (its URL comes from the loop): that is how it should be.
    return {url: SecretClient(url, credential) for url in vault_urls}


def per_tenant(tenants):
    for tenant in tenants:
        tenant_credential = ClientSecretCredential(tenant["id"], tenant["app"], tenant["secret"])
        yield SecretClient(tenant["vault"], tenant_credential)


def main():
    # A program's main runs once.
    main_client = SecretClient(VAULT_URL, DefaultAzureCredential())
    return main_client.get_secret("x").properties.version


def make_client():
    # A factory without a name parameter that no handler calls.
    return SecretClient(VAULT_URL, DefaultAzureCredential())
