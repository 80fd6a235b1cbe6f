"""KV106: the track-1 client reached through the bare namespace import."""

import azure.keyvault  # expect: KV106@1 "track-1 azure.keyvault"
from azure.common.credentials import ServicePrincipalCredentials  # expect: KV106@1 "azure.common.credentials is retired"

credentials = ServicePrincipalCredentials(client_id="id", secret="secret", tenant="tenant")
client = azure.keyvault.KeyVaultClient(credentials)
