"""KV103 keyvault-scope-missing-default."""

import msal
import requests
from azure.identity import ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from azure.keyvault.secrets import SecretClient

app = msal.ConfidentialClientApplication("client-id", client_credential="x")
app.acquire_token_for_client(scopes=["https://vault.azure.net"])  # expect: KV103@38 "'https://vault.azure.net' is a v1 resource"
app.acquire_token_for_client(["https://managedhsm.azure.net"])  # expect: KV103@31 "'https://managedhsm.azure.net' is a v1 resource"

credential = ClientSecretCredential("tenant", "client", "secret")
credential.get_token("https://vault.azure.net")  # expect: KV103@22 "'https://vault.azure.net' is a v1 resource"
chain = DefaultAzureCredential()
chain.get_token("https://vault.azure.net")  # expect: KV103@17 "'https://vault.azure.net' is a v1 resource"

KV_SCOPE = "https://vault.azure.net"  # expect: KV103@12 "'https://vault.azure.net' is a v1 resource"
credential.get_token(KV_SCOPE)

requests.post(
    "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
    data={"grant_type": "client_credentials", "scope": "https://vault.azure.net"},  # expect: KV103@56 "'https://vault.azure.net' is a v1 resource"
)
client = SecretClient(
    "https://contoso.vault.azure.net",
    credential,
    credential_scopes=["https://vault.azure.net"],  # expect: KV103@24 "'https://vault.azure.net' is a v1 resource"
)


async def main():
    async with AsyncClientSecretCredential("t", "c", "s") as cred:
        return await cred.get_token("https://vault.usgovcloudapi.net")  # expect: KV103@37 "'https://vault.usgovcloudapi.net' is a v1"


# ---- negatives -------------------------------------------------------------------------------
app.acquire_token_for_client(scopes=["https://vault.azure.net/.default"])
credential.get_token("https://vault.azure.net/.default")
# Managed identity credentials accept the bare resource.
ManagedIdentityCredential().get_token("https://vault.azure.net")
mi = ManagedIdentityCredential(client_id="abc")
mi.get_token("https://vault.azure.net")
# v1 endpoint takes the resource.
requests.post(
    "https://login.microsoftonline.com/tenant/oauth2/token",
    data={"grant_type": "client_credentials", "resource": "https://vault.azure.net"},
)


class TokenProvider:
    """A look-alike get_token on a class kvlint cannot trace to azure-identity."""

    def get_token(self, *scopes):
        return scopes


TokenProvider().get_token("https://vault.azure.net")
