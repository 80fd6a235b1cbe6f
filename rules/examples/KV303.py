"""KV303 keyvault-retry-without-backoff."""

import asyncio
import time

import requests

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import DefaultAzureCredential
from azure.keyvault.certificates import CertificateClient, CertificatePolicy
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

VAULT_URL = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()
client = SecretClient(VAULT_URL, credential)
aio_client = AsyncSecretClient(VAULT_URL, credential)
certificates = CertificateClient(VAULT_URL, credential)


def hammer(name):
    while True:  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        try:
            return client.get_secret(name).value
        except HttpResponseError:
            pass


def fixed_pause(name):
    for _attempt in range(5):  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        try:
            secret = client.get_secret(name)
            break
        except HttpResponseError:
            time.sleep(2)
    return secret.value


def forever_growing(name):
    delay = 1
    while True:  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        try:
            return client.get_secret(name).value
        except HttpResponseError:
            time.sleep(delay)
            delay *= 2


def until_done(name, value):
    done = False
    while not done:  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        try:
            client.set_secret(name, value)
            done = True
        except HttpResponseError:
            time.sleep(1)


async def async_fixed_pause(name):
    for _attempt in range(3):  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        try:
            return (await aio_client.get_secret(name)).value
        except ResourceNotFoundError:
            await asyncio.sleep(0.5)


def busy_wait_after_delete(name):
    # Waiting for a deletion, but without a pause: every failure is another request at once.
    client.begin_delete_secret(name).wait()
    while True:  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        try:
            client.purge_deleted_secret(name)
            break
        except HttpResponseError:
            pass


def retry_other_item(name, other):
    client.begin_delete_secret(other).wait()
    # The loop retries a read of another secret than the one the operation changes.
    for _attempt in range(5):  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        try:
            return client.get_secret(name).value
        except HttpResponseError:
            time.sleep(2)
    return None


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


# Polling a long-running operation's effect is not a retry loop (its pace is the operation's).
def wait_until_deleted(name):
    poller = client.begin_delete_secret(name)
    poller.wait()
    while True:
        deleted = client.get_deleted_secret(name)
        if deleted.recovery_id:
            break
        time.sleep(1)


def wait_until_recovered(name):
    client.begin_recover_deleted_secret(name).result()
    for _ in range(10):
        try:
            return client.get_secret(name).value
        except ResourceNotFoundError:
            time.sleep(2)
    return None


def wait_for_certificate(name):
    certificates.begin_create_certificate(name, CertificatePolicy.get_default())
    while True:
        operation = certificates.get_certificate_operation(name)
        if operation.status != "inProgress":
            break
        time.sleep(5)


def wait_on_poller(name):
    poller = client.begin_delete_secret(name)
    while not poller.done():
        time.sleep(1)
    return poller.result()


def wait_for_certificate_rest(name, token):
    url = f"{VAULT_URL}/certificates/{name}/pending?api-version=7.4"
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(60):
        response = requests.get(url, headers=headers, timeout=10)  # expect: KV302@20 "raw HTTP request to Key Vault through requests"
        if response.json()["status"] != "inProgress":
            break
        time.sleep(5)


class Jobs:
    """A look-alike with begin_delete_secret: not Key Vault, so the loop below is a plain retry."""

    def begin_delete_secret(self, name):
        return name


def look_alike_operation(name):
    Jobs().begin_delete_secret(name)
    for _attempt in range(5):  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        try:
            return client.get_secret(name).value
        except HttpResponseError:
            time.sleep(2)
    return None
