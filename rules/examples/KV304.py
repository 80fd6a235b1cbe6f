"""KV304 keyvault-read-in-loop."""

import asyncio
import functools
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

VAULT_URL = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()
client = SecretClient(VAULT_URL, credential)
aio_client = AsyncSecretClient(VAULT_URL, credential)


def watch_password(check):
    while True:
        password = client.get_secret("db-password").value  # expect: KV304@20 "Key Vault read inside a while loop"
        check(password)
        time.sleep(5)


def keys_for(users):
    return {user: client.get_secret(f"user-{user}").value for user in users}  # expect: KV304@19 "Key Vault read inside a comprehension over data"


def settings_from(config):
    values = {}
    for name in config["secrets"]:
        values[name] = client.get_secret(name).value  # expect: KV304@24 "Key Vault read inside a for loop over data that"
    return values


def poll_every_minute(handle):
    for _tick in range(60):
        handle(client.get_secret("feature-flags").value)  # expect: KV304@16 "Key Vault read inside a loop that sleeps"
        time.sleep(60)


async def async_watch(check):
    while True:
        secret = await aio_client.get_secret("db-password")  # expect: KV304@24 "Key Vault read inside a while loop"
        check(secret.value)
        await asyncio.sleep(5)


async def async_fan_out(names):
    return await asyncio.gather(*(aio_client.get_secret(n) for n in names))  # expect: KV304@35 "Key Vault read inside a comprehension over data"


def raw_poll(token):
    while True:
        requests.get(  # expect: KV302@9 "raw HTTP request to Key Vault through requests", KV304@9 "Key Vault read inside a while loop"
            f"{VAULT_URL}/secrets/flags?api-version=7.4",
            headers={"Authorization": f"Bearer {token}"},
        )
        time.sleep(30)


# ---- negatives -------------------------------------------------------------------------------
# A startup loop over a literal tuple of names (also through a module constant).
STARTUP = {name: client.get_secret(name).value for name in ("db-password", "api-key")}
NAMES = ("db-password", "api-key", "storage-key")
for secret_name in NAMES:
    STARTUP[secret_name] = client.get_secret(secret_name).value
SECRET_MAP = {"DB_PASSWORD": "db-password", "API_KEY": "api-key"}
ENVIRONMENT = {env: client.get_secret(name).value for env, name in SECRET_MAP.items()}


@functools.lru_cache(maxsize=None)
def cached_secret(name):
    return client.get_secret(name).value


def uses_the_cache(names):
    return [cached_secret(name) for name in names]


def cached_in_loop(names):
    cache = {}
    for name in names:
        if name not in SECRET_CACHE:
            SECRET_CACHE[name] = client.get_secret(name).value
        cache[name] = SECRET_CACHE[name]
    return cache


SECRET_CACHE: dict = {}


class Inventory:
    """A look-alike with get_secret, read in a polling loop: not Key Vault."""

    def get_secret(self, name):
        return name


def poll_inventory():
    inventory = Inventory()
    while True:
        inventory.get_secret("x")
        time.sleep(1)


def writes_in_loop(values):
    for name, value in values.items():
        client.set_secret(name, value)  # a write, not a read


def follow_pages(token):
    url = f"{VAULT_URL}/secrets?api-version=7.4"
    names = []
    while url:
        page = session.get(url, headers={"Authorization": f"Bearer {token}"}).json()
        names += [item["id"] for item in page["value"]]
        url = page.get("nextLink")
    return names


# A loop with literal bounds reads a fixed handful of times, like a literal list.
def warm_up():
    for _ in range(2):
        client.get_secret("feature-flags")


def sample_versions():
    return [client.get_secret("db-password").value for _attempt in range(0, 3)]


# A long literal range is bulk reading again.
def hammer():
    for _ in range(1000):
        client.get_secret("feature-flags")  # expect: KV304@9 "Key Vault read inside a for loop over data that"


session = requests.Session()
session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=1)))
