"""KV302 negatives: raw HTTP to Key Vault that something retries with backoff."""

import asyncio
import random
import time

import backoff
import httpx
import requests
import tenacity
from azure.identity import DefaultAzureCredential
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

VAULT = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()


def headers():
    token = credential.get_token("https://vault.azure.net/.default").token
    return {"Authorization": f"Bearer {token}"}


@tenacity.retry(wait=tenacity.wait_exponential(), stop=tenacity.stop_after_attempt(5))
def read_with_tenacity(name):
    return requests.get(f"{VAULT}/secrets/{name}?api-version=7.4", headers=headers()).json()


@backoff.on_exception(backoff.expo, requests.HTTPError, max_tries=5)
def read_with_backoff(name):
    response = requests.get(f"{VAULT}/secrets/{name}?api-version=7.4", headers=headers())
    response.raise_for_status()
    return response.json()


def _fetch(name):
    return requests.get(f"{VAULT}/secrets/{name}?api-version=7.4", headers=headers())


@tenacity.retry(stop=tenacity.stop_after_attempt(3))
def read_through_helper(name):
    return _fetch(name).json()


session = requests.Session()
session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=1)))


def read_with_session(name):
    return session.get(f"{VAULT}/secrets/{name}?api-version=7.4", headers=headers()).json()


def make_session():
    built = requests.Session()
    retry = Retry(total=5, backoff_factor=0.5, status_forcelist=[429, 500, 503])
    built.mount("https://", HTTPAdapter(max_retries=retry))
    return built


class VaultReader:
    def __init__(self):
        self.http = make_session()

    def read(self, name):
        url = f"{VAULT}/secrets/{name}?api-version=7.4"
        return self.http.get(url, headers=headers()).json()


transport = httpx.HTTPTransport(retries=3)
client = httpx.Client(transport=transport)


def read_with_httpx(name):
    return client.get(f"{VAULT}/secrets/{name}?api-version=7.4", headers=headers()).json()


def read_with_backoff_loop(name):
    url = f"{VAULT}/secrets/{name}?api-version=7.4"
    for attempt in range(6):
        response = requests.get(url, headers=headers())
        if response.status_code != 429:
            return response.json()
        time.sleep(min(2**attempt, 30) + random.random())
    raise RuntimeError("throttled")


def read_honouring_retry_after(name):
    url = f"{VAULT}/secrets/{name}?api-version=7.4"
    for _attempt in range(5):
        response = requests.get(url, headers=headers())
        if response.status_code == 429:
            time.sleep(int(response.headers.get("Retry-After", "5")))
            continue
        return response.json()
    raise RuntimeError("throttled")


async def read_async(name):
    delay = 1.0
    async with httpx.AsyncClient() as http:
        for _attempt in range(5):
            try:
                response = await http.get(f"{VAULT}/secrets/{name}?api-version=7.4", headers=headers())
                response.raise_for_status()
                return response.json()
            except httpx.HTTPStatusError:
                await asyncio.sleep(delay)
                delay *= 2
    raise RuntimeError("throttled")


def read_with_retrying_iterator(name):
    for attempt in tenacity.Retrying(wait=tenacity.wait_exponential(), stop=tenacity.stop_after_attempt(5)):
        with attempt:
            return requests.get(f"{VAULT}/secrets/{name}?api-version=7.4", headers=headers()).json()


# Not a Key Vault URL: none of Key Vault's business.
requests.get("https://example.com/health")
