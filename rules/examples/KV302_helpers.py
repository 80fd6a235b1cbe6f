"""KV302 / KV104 through a generic helper: the URL is a parameter, a call site passes a vault URL.

The finding is at the HTTP call (where the retry belongs); its message names the call site.
"""

import os
from urllib.parse import urljoin

import requests
import tenacity

VAULT_URL = "https://contoso.vault.azure.net"
NAME = os.environ["VAULT_NAME"]


def fetch(url, token):
    return requests.get(url, headers={"Authorization": f"Bearer {token}"})  # expect: KV302@12 "raw HTTP request to Key Vault through requests"


def fetch_secret(base, name, token):
    url = f"{base}/secrets/{name}?api-version=7.4"
    return requests.get(url, headers={"Authorization": f"Bearer {token}"})  # expect: KV302@12 "raw HTTP request to Key Vault through requests"


def fetch_formatted(base, token):
    url = "{}/keys?api-version=7.4".format(base)
    return requests.get(url, headers={"Authorization": token})  # expect: KV302@12 "raw HTTP request to Key Vault through requests"


def fetch_percent(base, token):
    return requests.get("%s/certificates" % base, headers={"Authorization": token})  # expect: KV302@12 "raw HTTP request to Key Vault through requests"


def fetch_joined(base, token):
    return requests.get(urljoin(base, "secrets"), headers={"Authorization": token})  # expect: KV302@12 "raw HTTP request to Key Vault through requests"


def fetch_anonymous(base):
    return requests.get(base + "/secrets/db")  # expect: KV104@12 "raw HTTP request to Key Vault through requests", KV302@12 "raw HTTP request to Key Vault through requests"


class Vault:
    def __init__(self, token):
        self.token = token

    def get(self, url):
        return requests.get(url, headers={"Authorization": self.token})  # expect: KV302@16 "raw HTTP request to Key Vault through requests"

    def db_password(self):
        return self.get(f"https://{NAME}.vault.azure.net/secrets/db")


def main(token):
    fetch(VAULT_URL + "/secrets/db?api-version=7.4", token)
    fetch_secret(VAULT_URL, "db", token)
    fetch_formatted(VAULT_URL, token)
    fetch_percent(VAULT_URL, token)
    fetch_joined(VAULT_URL + "/", token)
    fetch_anonymous(f"https://{NAME}.vault.azure.net")


# ---- negatives -------------------------------------------------------------------------------
def status(url):
    return requests.get(url, timeout=5)  # only ever called with another host


def search(term):
    return requests.get(f"https://api.example.com/search?q={term}")  # the host is fixed


@tenacity.retry(wait=tenacity.wait_exponential(), stop=tenacity.stop_after_attempt(5))
def fetch_with_retry(url, token):
    return requests.get(url, headers={"Authorization": token})  # retried


def unknown(url):
    return requests.get(url)  # its callers pass nothing known


def negatives(token, anything):
    status("https://status.example.com/health")
    search(VAULT_URL)
    fetch_with_retry(VAULT_URL + "/secrets/db", token)
    unknown(anything)
