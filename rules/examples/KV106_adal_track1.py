"""KV106: adal next to the track-1 Key Vault client, which takes adal tokens through
callbacks: both retired libraries are reported, once each."""

import adal  # expect: KV106@1 "ADAL (adal) is retired"
from azure.keyvault import KeyVaultAuthentication, KeyVaultClient  # expect: KV106@1 "track-1 azure.keyvault"


def callback(server, resource, scope):
    context = adal.AuthenticationContext("https://login.microsoftonline.com/contoso.onmicrosoft.com")
    token = context.acquire_token_with_client_credentials(
        "https://management.azure.com/", "client-id", "client-secret"
    )
    return token["tokenType"], token["accessToken"]


client = KeyVaultClient(KeyVaultAuthentication(callback))
