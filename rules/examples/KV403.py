"""KV403 keyvault-challenge-verification-disabled."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

credential = DefaultAzureCredential()
secrets = SecretClient(
    "https://myvault.vault.azure.net",
    credential,
    verify_challenge_resource=False,  # expect: KV403
)
keys = KeyClient("https://myvault.vault.azure.net", credential, verify_challenge_resource=False)  # expect: KV403
VERIFY = False
AsyncSecretClient("https://myvault.vault.azure.net", credential, verify_challenge_resource=VERIFY)  # expect: KV403

# ---- negatives -------------------------------------------------------------------------------
SecretClient("https://myvault.vault.azure.net", credential)
SecretClient("https://myvault.vault.azure.net", credential, verify_challenge_resource=True)


class Other:
    def __init__(self, verify_challenge_resource):
        self.verify = verify_challenge_resource


Other(verify_challenge_resource=False)
