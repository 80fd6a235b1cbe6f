"""KV306 with a factory of retired credentials: the Key Vault client built in the accessor is
reported; the msrestazure credentials its factory builds are not azure.identity credentials
(KV106 reports the library)."""

import os

from azure.keyvault import KeyVaultClient  # expect: KV106@1 "track-1 azure.keyvault"
from msrestazure.azure_active_directory import MSIAuthentication, ServicePrincipalCredentials  # expect: KV106@1 "msrestazure's credentials are retired"


def get_key_vault_credentials():
    if "APPSETTING_WEBSITE_SITE_NAME" in os.environ:
        return MSIAuthentication(resource="https://vault.azure.net")
    return ServicePrincipalCredentials(
        client_id=os.environ["AZURE_CLIENT_ID"],
        secret=os.environ["AZURE_CLIENT_SECRET"],
        tenant=os.environ["AZURE_TENANT_ID"],
        resource="https://vault.azure.net",
    )


def run_example(key_vault_name, secret_name):
    key_vault_client = KeyVaultClient(get_key_vault_credentials())  # expect: KV306@24 "new KeyVaultClient"
    vault_uri = "https://" + key_vault_name + ".vault.azure.net/"
    return key_vault_client.get_secret(vault_uri, secret_name, "").value
