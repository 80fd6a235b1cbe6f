"""KV106: adal used for a Key Vault token (here next to a Resource Manager one)."""

import adal  # expect: KV106@1 "ADAL (adal) is retired"
import requests

context = adal.AuthenticationContext("https://login.microsoftonline.com/contoso.onmicrosoft.com")
arm = context.acquire_token_with_client_credentials(
    "https://management.azure.com/", "client-id", "client-secret"
)
vault = context.acquire_token_with_client_credentials(
    "https://vault.azure.net", "client-id", "client-secret"
)


def read_secret(name):
    return requests.get(  # expect: KV302@12 "raw HTTP request to Key Vault through requests"
        f"https://contoso.vault.azure.net/secrets/{name}?api-version=7.4",
        headers={"Authorization": "Bearer " + vault["accessToken"]},
        timeout=30,
    )
