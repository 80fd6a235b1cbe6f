"""KV102 keyvault-wrong-audience."""

import adal  # expect: KV106@1 "ADAL (adal) is retired"
import requests
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

credential = DefaultAzureCredential()
mi = ManagedIdentityCredential()

# A vault's own URL is not an audience.
credential.get_token("https://myvault.vault.azure.net/.default")  # expect: KV102@22 "'https://myvault.vault.azure.net/.default' is a"
# Built from the vault name: still a per-vault host.
VAULT = "contoso"
credential.get_token(f"https://{VAULT}.vault.azure.net/.default")  # expect: KV102@22 "'https://contoso.vault.azure.net/.default' is a"
# Private link hosts are not audiences either.
mi.get_token("https://myvault.privatelink.vaultcore.azure.net")  # expect: KV102@14 "'https://myvault.privatelink.vaultcore.azure.net"
# http:// is not the audience.
credential.get_token("http://vault.azure.net/.default")  # expect: KV102@22 "'http://vault.azure.net/.default' uses http://"
# Misspelt.
credential.get_token("https://vault.azure.com/.default")  # expect: KV102@22 "'https://vault.azure.com/.default' is not a Key"

# A v2 scope where ADAL expects a v1 resource.
context = adal.AuthenticationContext("https://login.microsoftonline.com/tenant")
context.acquire_token_with_client_credentials("https://vault.azure.net/.default", "id", "secret")  # expect: KV102@47 "'https://vault.azure.net/.default' is a v2"
# ... and in the v1 token endpoint's body.
requests.post(
    "https://login.microsoftonline.com/tenant/oauth2/token",
    data={"grant_type": "client_credentials", "resource": "https://vault.azure.net/.default"},  # expect: KV102@59 "'https://vault.azure.net/.default' is a v2"
)


def read_secret_with_arm_token(vault_url: str, name: str):
    """An ARM token sent to Key Vault."""
    arm = credential.get_token("https://management.azure.com/.default")  # expect: KV102@32 "a token for 'https://management.azure.com' is"
    headers = {"Authorization": f"Bearer {arm.token}"}
    return requests.get(  # expect: KV302@12 "raw HTTP request to Key Vault through requests"
        f"https://contoso.vault.azure.net/secrets/{name}?api-version=7.5", headers=headers
    )


# ---- negatives -------------------------------------------------------------------------------
credential.get_token("https://vault.azure.net/.default")
mi.get_token("https://vault.azure.net")  # managed identity accepts the v1 resource
context.acquire_token_with_client_credentials("https://vault.azure.net", "id", "secret")
# The vault URL belongs in the client, not in the scope.
VAULT_URL = f"https://{VAULT}.vault.azure.net/"
# Graph token used for Graph.


def list_users():
    token = credential.get_token("https://graph.microsoft.com/.default")
    return requests.get(
        "https://graph.microsoft.com/v1.0/users",
        headers={"Authorization": f"Bearer {token.token}"},
    )


# ARM token used for ARM.
def list_vaults(subscription: str):
    token = credential.get_token("https://management.azure.com/.default")
    return requests.get(
        f"https://management.azure.com/subscriptions/{subscription}/providers/"
        "Microsoft.KeyVault/vaults?api-version=2023-07-01",
        headers={"Authorization": f"Bearer {token.token}"},
    )


# The v2 endpoint takes the scope.
requests.post(
    "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
    data={"grant_type": "client_credentials", "scope": "https://vault.azure.net/.default"},
)
# A variable merely named "resource" holding a vault URL is not a token request.
resource_url = "https://myvault.vault.azure.net/secrets/db"


# The ARM token's headers are replaced by a Key Vault token's before the vault is called: only
# the last assignment that ran on every path reaches the request.
def rotate_then_read(name: str):
    arm = credential.get_token("https://management.azure.com/.default")
    headers = {"Authorization": f"Bearer {arm.token}"}
    requests.get("https://management.azure.com/subscriptions?api-version=2022-12-01", headers=headers)
    kv = credential.get_token("https://vault.azure.net/.default")
    headers = {"Authorization": f"Bearer {kv.token}"}
    return requests.get(  # expect: KV302@12 "raw HTTP request to Key Vault through requests"
        f"https://contoso.vault.azure.net/secrets/{name}?api-version=7.5", headers=headers
    )


# A replacement made only on one branch does not hide the ARM token on the other.
def maybe_replaced(name: str, use_vault_token: bool):
    arm = credential.get_token("https://management.azure.com/.default")  # expect: KV102@32 "a token for 'https://management.azure.com' is"
    headers = {"Authorization": f"Bearer {arm.token}"}
    if use_vault_token:
        kv = credential.get_token("https://vault.azure.net/.default")
        headers = {"Authorization": f"Bearer {kv.token}"}
    return requests.get(  # expect: KV302@12 "raw HTTP request to Key Vault through requests"
        f"https://contoso.vault.azure.net/secrets/{name}?api-version=7.5", headers=headers
    )
