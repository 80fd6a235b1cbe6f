"""KV103 keyvault-scope-missing-default."""

import msal
import requests
from azure.identity import ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from azure.keyvault.secrets import SecretClient

app = msal.ConfidentialClientApplication("client-id", client_credential="x")
app.acquire_token_for_client(scopes=["https://vault.azure.net"])  # expect: KV103
app.acquire_token_for_client(["https://managedhsm.azure.net"])  # expect: KV103

credential = ClientSecretCredential("tenant", "client", "secret")
credential.get_token("https://vault.azure.net")  # expect: KV103
chain = DefaultAzureCredential()
chain.get_token("https://vault.azure.net")  # expect: KV103

KV_SCOPE = "https://vault.azure.net"  # expect: KV103
credential.get_token(KV_SCOPE)

requests.post(
    "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
    data={"grant_type": "client_credentials", "scope": "https://vault.azure.net"},  # expect: KV103
)
client = SecretClient(
    "https://contoso.vault.azure.net",
    credential,
    credential_scopes=["https://vault.azure.net"],  # expect: KV103
)


async def main():
    async with AsyncClientSecretCredential("t", "c", "s") as cred:
        return await cred.get_token("https://vault.usgovcloudapi.net")  # expect: KV103


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
