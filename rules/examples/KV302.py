"""KV302 keyvault-raw-request-without-retry."""

import httpx
import requests
from azure.identity import DefaultAzureCredential

VAULT = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()


def headers():
    token = credential.get_token("https://vault.azure.net/.default").token
    return {"Authorization": f"Bearer {token}"}


def read_secret(name):
    url = f"{VAULT}/secrets/{name}?api-version=7.4"
    return requests.get(url, headers=headers()).json()["value"]  # expect: KV302@12 "raw HTTP request to Key Vault through requests"


def write_secret(name, value):
    with httpx.Client() as http:
        http.put(  # expect: KV302@9 "raw HTTP request to Key Vault through httpx"
            f"{VAULT}/secrets/{name}?api-version=7.4", json={"value": value}, headers=headers()
        )


def read_with_quick_retries(name):
    url = f"{VAULT}/secrets/{name}?api-version=7.4"
    for _attempt in range(3):  # expect: KV303@5 "hand-written retry loop around a Key Vault call"
        response = requests.get(url, headers=headers())  # expect: KV302@20 "raw HTTP request to Key Vault through requests"
        if response.status_code == 200:
            return response.json()["value"]
    raise RuntimeError(name)
