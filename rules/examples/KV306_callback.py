"""KV306: a credential built inside the track-1 authentication callback (every request)."""

from azure.common.credentials import ServicePrincipalCredentials  # expect: KV106@1 "azure.common.credentials is retired"
from azure.keyvault import KeyVaultAuthentication, KeyVaultClient  # expect: KV106@1 "track-1 azure.keyvault"


def callback(server, resource, scope):
    credentials = ServicePrincipalCredentials(  # expect: KV306@19 "new ServicePrincipalCredentials"
        client_id="app", secret="s", tenant="t", resource="https://vault.azure.net"
    )
    token = credentials.token
    return token["token_type"], token["access_token"]


client = KeyVaultClient(KeyVaultAuthentication(callback))
