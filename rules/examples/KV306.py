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
    credential = DefaultAzureCredential()  # expect: KV306@18 "new DefaultAzureCredential"
    secret_client = SecretClient(vault_url=VAULT_URL, credential=credential)  # expect: KV306@21 "new SecretClient"
    return secret_client.get_secret(name).value


async def get_secret_async(name):
    async with AsyncSecretClient(VAULT_URL, AsyncDefaultAzureCredential()) as aio:  # expect: KV306@16 "new SecretClient", KV306@45 "new DefaultAzureCredential"
        return (await aio.get_secret(name)).value


@app.route("/")
def index():
    per_request = SecretClient(VAULT_URL, DefaultAzureCredential())  # expect: KV306@19 "new SecretClient", KV306@43 "new DefaultAzureCredential"
    return str(per_request.vault_url)


def rotate(names, credential):
    for name in names:
        keys = KeyClient(VAULT_URL, credential)  # expect: KV306@16 "new KeyClient (Key Vault client) built inside a"
        keys.rotate_key(name)


class Reader:
    def value(self, name):
        reader_client = SecretClient(VAULT_URL, DefaultAzureCredential())  # expect: KV306@25 "new SecretClient", KV306@49 "new DefaultAzureCredential"
        return reader_client.get_secret(name).value


# An accessor that builds them on every call through an uncached same-module factory, whatever
# its parameter is called.
def build_client():
    factory_credential = DefaultAzureCredential()  # expect: KV306@26 "new DefaultAzureCredential"
    return SecretClient(vault_url=VAULT_URL, credential=factory_credential)  # expect: KV306@12 "new SecretClient"


def fetch_secret(secret_id):
    return build_client().get_secret(secret_id).value


async def get_client_async():
    return AsyncSecretClient(VAULT_URL, AsyncDefaultAzureCredential())  # expect: KV306@12 "new SecretClient", KV306@41 "new DefaultAzureCredential"


async def read_async(key):
    aio_client = await get_client_async()
    return (await aio_client.get_secret(key)).value


def _credential():
    return DefaultAzureCredential()  # expect: KV306@12 "new DefaultAzureCredential"


def _keys():
    return KeyClient(VAULT_URL, _credential())  # expect: KV306@12 "new KeyClient (Key Vault client) built per"


def public_key(item):
    return _keys().get_key(item).key


class Wrapper:
    def __init__(self):
        self.credential = DefaultAzureCredential()

    def _client(self):
        return SecretClient(VAULT_URL, self.credential)  # expect: KV306@16 "new SecretClient"

    def get(self, entry):
        return self._client().get_secret(entry).value


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


# A cached factory behind an accessor, a factory behind a memo guard, a factory only main
# and module level call.
@functools.lru_cache(maxsize=1)
def cached_factory():
    return SecretClient(VAULT_URL, DefaultAzureCredential())


def via_cached_factory(name):
    return cached_factory().get_secret(name).value


def build_shared():
    return SecretClient(VAULT_URL, credential)


_shared = None


def shared_secret(name):
    global _shared
    if _shared is None:
        _shared = build_shared()
    return _shared.get_secret(name).value


def build_for_script():
    return SecretClient(VAULT_URL, DefaultAzureCredential())


SCRIPT_CLIENT = build_for_script()


def run():
    return build_for_script().get_secret("x").value


class LocalSecretClient:
    """A look-alike client: not Key Vault."""

    def __init__(self, url):
        self.url = url

    def get_secret(self, name):
        return name


def local_factory():
    return LocalSecretClient(VAULT_URL)


def via_local_factory(name):
    return local_factory().get_secret(name)
