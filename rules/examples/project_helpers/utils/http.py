"""Generic HTTP helpers: nothing here mentions Key Vault.

``# expect-tree:`` lines are reported when the whole project is linted (the call site that
passes the vault URL is in another file); linted alone, this file has no finding.
"""

import requests


def fetch(url, token):
    return requests.get(url, headers={"Authorization": f"Bearer {token}"})  # expect-tree: KV302@12 "raw HTTP request to Key Vault through requests"


def fetch_json(base, path, token):
    response = requests.get(f"{base}/{path}", headers={"Authorization": token})  # expect-tree: KV302@16 "raw HTTP request to Key Vault through requests"
    return response.json()


def get_public(url, timeout=5):
    return requests.get(url, timeout=timeout)  # expect-tree: KV104@12 "raw HTTP request to Key Vault through requests", KV302@12 "raw HTTP request to Key Vault through requests"


def post(url, body):
    return requests.post(url, json=body)  # called with another host only


def ping(host):
    return requests.get(f"https://status.example.com/{host}")  # the host is fixed
