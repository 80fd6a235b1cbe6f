"""A raw REST client whose base URL is a placeholder (set at deploy time): the request is a Key
Vault call by its path's shape, a data-plane collection (/secrets, /keys, /certificates, their
deleted-* twins) with a Key Vault data-plane API version (7.x). Resource Manager's API versions
are dates: the same placeholder with /subscriptions/... is no vault."""

import requests

KEYVAULT_BASE = ""  # set at deploy time


class KeyVaultRest:
    def secret(self, name, token):
        url = f"{KEYVAULT_BASE}/secrets/{name}?api-version=7.4"
        return requests.get(url, headers={"Authorization": f"Bearer {token}"}).json()  # expect: KV302@16 "raw HTTP request to Key Vault through requests"

    def subscription(self, sub, token):
        url = f"{KEYVAULT_BASE}/subscriptions/{sub}?api-version=2022-07-01"
        return requests.get(url, headers={"Authorization": f"Bearer {token}"}).json()
