"""KV101 keyvault-resource-trailing-slash: positives carry '# expect:', the rest must stay quiet."""

import os

import msal
import requests
from azure.identity import ClientSecretCredential, DefaultAzureCredential
from azure.identity.aio import DefaultAzureCredential as AsyncDefaultAzureCredential
from azure.keyvault.secrets import SecretClient

credential = DefaultAzureCredential()
sp = ClientSecretCredential("tenant", "client", "secret")
app = msal.ConfidentialClientApplication("client-id", client_credential="x")
# A constant named a scope (used as one in another module): fixed to the v2 scope.
KEY_VAULT_SCOPE = "https://vault.azure.net/"  # expect: KV101@19 "Key Vault token resource"

# The classic: the resource with a trailing slash, in a get_token call.
token = credential.get_token("https://vault.azure.net/")  # expect: KV101@30 "Key Vault token resource"
# A doubled slash in the scope is the same mistake.
sp.get_token("https://vault.azure.net//.default")  # expect: KV101@14 "Key Vault token scope"
# MSAL scopes.
app.acquire_token_for_client(scopes=["https://vault.azure.net//.default"])  # expect: KV101@38 "Key Vault token scope"
# Other clouds and Managed HSM.
sp.get_token("https://vault.azure.cn/")  # expect: KV101@14 "Key Vault token resource"
sp.get_token("https://managedhsm.azure.net/")  # expect: KV101@14 "Key Vault token resource"

# Defined once in a constant: reported where the literal is written.
KEYVAULT_RESOURCE = "https://vault.azure.net/"  # expect: KV101@21 "Key Vault token resource"
sp.get_token(KEYVAULT_RESOURCE)

# Built from pieces: the literal holding the slashed base is reported.
VAULT_BASE = "https://vault.azure.net/"  # expect: KV101@14 "Key Vault token scope"
sp.get_token(VAULT_BASE + "/.default")
sp.get_token(f"{VAULT_BASE}/.default")

# An environment default.
sp.get_token(os.environ.get("KV_SCOPE", "https://vault.azure.net//.default"))  # expect: KV101@41 "Key Vault token scope"

# The managed identity endpoint's query string.
requests.get(  # expect: KV107@1 "hand-rolled managed identity token request to"
    "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net/",  # expect: KV101@5 "Key Vault token resource"
    headers={"Metadata": "true"},
)

# A token request body.
requests.post(
    "https://login.microsoftonline.com/tenant/oauth2/token",
    data={"grant_type": "client_credentials", "resource": "https://vault.azure.net/"},  # expect: KV101@59 "Key Vault token resource"
)

# A settings dictionary key containing "audience".
SETTINGS = {"keyvault_audience": "https://vault.azure.net/"}  # expect: KV101@34 "Key Vault token resource"


async def read_async():
    async with AsyncDefaultAzureCredential() as cred:
        return await cred.get_token("https://vault.usgovcloudapi.net/")  # expect: KV101@37 "Key Vault token resource"


# ---- negatives -------------------------------------------------------------------------------
# The correct scope and the correct v1 resource.
sp.get_token("https://vault.azure.net/.default")
app.acquire_token_for_client(scopes=["https://vault.azure.net/.default"])
# Correct sovereign clouds and Managed HSM.
sp.get_token("https://vault.azure.cn/.default")
sp.get_token("https://vault.usgovcloudapi.net/.default")
sp.get_token("https://managedhsm.azure.net/.default")
# ARM's classic resource legitimately ends in a slash: the rule is Key Vault-specific.
ARM_RESOURCE = "https://management.core.windows.net/"
sp.get_token("https://management.core.windows.net//.default")
# A vault URL with a trailing slash is fine where a vault URL belongs.
client = SecretClient(vault_url="https://myvault.vault.azure.net/", credential=credential)
VAULT_URL = "https://myvault.vault.azure.net/"
# The slash stripped before use.
scope = "https://vault.azure.net".rstrip("/") + "/.default"
# A slashed vault audience in a plain log message is not a token request.
print("tokens for https://vault.azure.net/ are requested by the SDK")
