"""KV104 keyvault-request-without-token."""

import urllib.request

import aiohttp
import httpx
import requests
from azure.identity import DefaultAzureCredential

VAULT = "https://contoso.vault.azure.net"

requests.get(f"{VAULT}/secrets/db?api-version=7.5")  # expect: KV104@1 "raw HTTP request to Key Vault through requests", KV302@1 "raw HTTP request to Key Vault through requests"
requests.get("https://contoso.vault.azure.net/secrets/db", params={"api-version": "7.5"})  # expect: KV104@1 "raw HTTP request to Key Vault through requests", KV302@1 "raw HTTP request to Key Vault through requests"
httpx.get("https://{}.vault.azure.net/secrets/db".format("contoso"))  # expect: KV104@1 "raw HTTP request to Key Vault through httpx", KV302@1 "raw HTTP request to Key Vault through httpx"
urllib.request.urlopen("https://%s.vault.azure.net/secrets/db" % "contoso")  # expect: KV104@1 "raw HTTP request to Key Vault through", KV302@1 "raw HTTP request to Key Vault through"
session = requests.Session()
session.get(VAULT + "/secrets/db?api-version=7.5")  # expect: KV104@1 "raw HTTP request to Key Vault through requests", KV302@1 "raw HTTP request to Key Vault through requests"
requests.post(  # expect: KV104@1 "raw HTTP request to Key Vault through requests", KV302@1 "raw HTTP request to Key Vault through requests"
    "https://contoso.vault.azure.net/keys/k/sign?api-version=7.5",
    headers={"Content-Type": "application/json"},
    json={"alg": "RS256", "value": "..."},
)


async def fetch():
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{VAULT}/secrets/db?api-version=7.5") as response:  # expect: KV104@20 "raw HTTP request to Key Vault through aiohttp", KV302@20 "raw HTTP request to Key Vault through aiohttp"
            return await response.json()


# ---- negatives for KV104 (no retry around them, so KV302 speaks) --------------------------
credential = DefaultAzureCredential()


def headers():
    token = credential.get_token("https://vault.azure.net/.default").token
    return {"Authorization": f"Bearer {token}"}


requests.get(f"{VAULT}/secrets/db?api-version=7.5", headers=headers())  # expect: KV302@1 "raw HTTP request to Key Vault through requests"
requests.get(f"{VAULT}/secrets/db", headers={"authorization": "Bearer x"})  # expect: KV302@1 "raw HTTP request to Key Vault through requests"
auth_headers = {"Accept": "application/json"}
auth_headers["Authorization"] = "Bearer x"
requests.get(f"{VAULT}/secrets/db", headers=auth_headers)  # expect: KV302@1 "raw HTTP request to Key Vault through requests"
authed = requests.Session()
authed.headers.update({"Authorization": "Bearer x"})
authed.get(f"{VAULT}/secrets/db")  # expect: KV302@1 "raw HTTP request to Key Vault through requests"
client = httpx.Client(headers={"Authorization": "Bearer x"})
client.get(f"{VAULT}/secrets/db")  # expect: KV302@1 "raw HTTP request to Key Vault through httpx"
requests.get(f"{VAULT}/secrets/db", auth=object())  # expect: KV302@1 "raw HTTP request to Key Vault through requests"
# Not Key Vault.
requests.get("https://example.com/secrets/db")
requests.get("https://management.azure.com/subscriptions")
# A look-alike "get" on something that is not an HTTP client.
cache = {}
cache.get(f"{VAULT}/secrets/db")
