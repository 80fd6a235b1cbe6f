"""KV106 deprecated-keyvault-auth-library."""

import adal  # expect: KV106@1 "ADAL (adal) is retired"
from adal import AuthenticationContext  # adal again: one KV106 per library per module
from azure.common.credentials import ServicePrincipalCredentials  # expect: KV106@1 "azure.common.credentials is retired"
from azure.keyvault import KeyVaultAuthentication, KeyVaultClient  # expect: KV106@1 "track-1 azure.keyvault"
from msrestazure.azure_active_directory import MSIAuthentication  # expect: KV106@1 "msrestazure's credentials are retired"
from msrestazure import azure_active_directory  # msrestazure's credentials again
import azure.keyvault.key_vault_client  # track-1 azure.keyvault again

# ---- negatives -------------------------------------------------------------------------------
import azure.keyvault.secrets
from azure.identity import DefaultAzureCredential
from azure.keyvault import secrets
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from msrestazure.azure_exceptions import CloudError
