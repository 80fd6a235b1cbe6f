"""KV403 keyvault-challenge-verification-disabled."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

credential = DefaultAzureCredential()
secrets = SecretClient(
    "https://myvault.vault.azure.net",
    credential,
    verify_challenge_resource=False,  # expect: KV403@5 "verify_challenge_resource=False lets the client"
)
keys = KeyClient("https://myvault.vault.azure.net", credential, verify_challenge_resource=False)  # expect: KV403@65 "verify_challenge_resource=False lets the client"
VERIFY = False
AsyncSecretClient("https://myvault.vault.azure.net", credential, verify_challenge_resource=VERIFY)  # expect: KV403@66 "verify_challenge_resource=False lets the client"

# ---- negatives -------------------------------------------------------------------------------
SecretClient("https://myvault.vault.azure.net", credential)
SecretClient("https://myvault.vault.azure.net", credential, verify_challenge_resource=True)


class Other:
    def __init__(self, verify_challenge_resource):
        self.verify = verify_challenge_resource


Other(verify_challenge_resource=False)
