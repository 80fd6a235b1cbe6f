"""KV106: the current SDK through the azure.keyvault namespace is not the track-1 SDK."""

import azure.keyvault
import azure.keyvault.secrets
from azure.identity import DefaultAzureCredential
from azure.keyvault import keys, secrets

client = azure.keyvault.secrets.SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())
key_client = keys.KeyClient("https://contoso.vault.azure.net", DefaultAzureCredential())
SecretId = secrets.KeyVaultSecretIdentifier  # a local name that looks like a track-1 one
