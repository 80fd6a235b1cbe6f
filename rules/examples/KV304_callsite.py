"""KV304 through a generic helper is call-site sensitive: ``call_api()`` requests whatever URL
it is given, so it reads Key Vault only where a call site passes a vault URL. A loop passing
Azure Resource Manager URLs to the same helper reads no vault."""

import requests
from azure.identity import DefaultAzureCredential
from tenacity import retry, stop_after_attempt, wait_exponential

VAULT = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()


@retry(stop=stop_after_attempt(5), wait=wait_exponential())
def call_api(url, scope):
    token = credential.get_token(scope).token
    return requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5).json()


def sync(names, subscriptions):
    for name in names:
        call_api(f"{VAULT}/secrets/{name}?api-version=7.4", "https://vault.azure.net/.default")  # expect: KV304@9 "Key Vault read (get() in the helper call_api())"
    for sub in subscriptions:
        # the same helper with an ARM URL: no Key Vault read here
        call_api(
            f"https://management.azure.com/subscriptions/{sub}?api-version=2022-01-01",
            "https://management.azure.com/.default",
        )
