"""KV106: the track-1 client reached through the bare namespace import."""

import azure.keyvault  # expect: KV106
from azure.common.credentials import ServicePrincipalCredentials  # expect: KV106

credentials = ServicePrincipalCredentials(client_id="id", secret="secret", tenant="tenant")
client = azure.keyvault.KeyVaultClient(credentials)
