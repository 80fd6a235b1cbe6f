"""KV106: adal used only for Resource Manager and Graph tokens, never for Key Vault: quiet.

(Retiring adal is still a good idea, but it is not a Key Vault authentication problem.)
"""

import requests
from adal import AuthenticationContext
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

ARM = "https://management.azure.com/"
context = AuthenticationContext("https://login.microsoftonline.com/contoso.onmicrosoft.com")
arm = context.acquire_token_with_client_credentials(ARM, "client-id", "client-secret")
graph = context.acquire_token_with_client_credentials(
    resource="https://graph.microsoft.com", client_id="client-id", client_secret="client-secret"
)
policies = requests.get(
    "https://management.azure.com/providers/Microsoft.Authorization/policyDefinitions",
    headers={"Authorization": "Bearer " + arm["accessToken"]},
    timeout=30,
)


class Interactor:
    def __init__(self, tenant):
        self.context = AuthenticationContext(f"https://login.microsoftonline.com/{tenant}")

    def arm_token(self):
        return self.context.acquire_token_with_client_credentials(
            "https://management.core.windows.net/", "client-id", "client-secret"
        )["accessToken"]


# Key Vault itself is read with azure-identity.
secrets = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())
