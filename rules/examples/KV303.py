"""KV303 keyvault-retry-without-backoff."""

import asyncio
import time

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

VAULT_URL = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()
client = SecretClient(VAULT_URL, credential)
aio_client = AsyncSecretClient(VAULT_URL, credential)


def hammer(name):
    while True:  # expect: KV303
        try:
            return client.get_secret(name).value
        except HttpResponseError:
            pass


def fixed_pause(name):
    for _attempt in range(5):  # expect: KV303
        try:
            secret = client.get_secret(name)
            break
        except HttpResponseError:
            time.sleep(2)
    return secret.value


def forever_growing(name):
    delay = 1
    while True:  # expect: KV303
        try:
            return client.get_secret(name).value
        except HttpResponseError:
            time.sleep(delay)
            delay *= 2


def until_done(name, value):
    done = False
    while not done:  # expect: KV303
        try:
            client.set_secret(name, value)
            done = True
        except HttpResponseError:
            time.sleep(1)


async def async_fixed_pause(name):
    for _attempt in range(3):  # expect: KV303
        try:
            return (await aio_client.get_secret(name)).value
        except ResourceNotFoundError:
            await asyncio.sleep(0.5)


# ---- negatives -------------------------------------------------------------------------------
def exponential(name):
    for attempt in range(5):
        try:
            return client.get_secret(name).value
        except HttpResponseError:
            time.sleep(2**attempt)
    raise RuntimeError(name)


def honours_retry_after(name):
    for _attempt in range(5):
        try:
            return client.get_secret(name).value
        except HttpResponseError as error:
            time.sleep(int(error.response.headers.get("Retry-After", "1")))
    raise RuntimeError(name)


def bounded_doubling(name):
    delay = 0.5
    attempts = 0
    while True:
        try:
            return client.get_secret(name).value
        except HttpResponseError:
            attempts += 1
            if attempts > 5:
                raise
            time.sleep(delay)
            delay = delay * 2


async def async_exponential(name):
    for attempt in range(4):
        try:
            return (await aio_client.get_secret(name)).value
        except HttpResponseError:
            await asyncio.sleep(0.5 * 2**attempt)
    return None


def first_existing():
    # Not a retry loop: every iteration reads another name.
    for name in ("primary-password", "fallback-password"):
        try:
            return client.get_secret(name).value
        except ResourceNotFoundError:
            continue
    return None


class Flaky:
    """A look-alike retried without backoff: not Key Vault."""

    def get_secret(self, name):
        return name


def look_alike(name):
    flaky = Flaky()
    while True:
        try:
            return flaky.get_secret(name)
        except ValueError:
            pass
