"""KV301 keyvault-retry-disabled."""

from azure.core.pipeline.policies import AsyncRetryPolicy, RetryPolicy
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

VAULT_URL = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()

client = SecretClient(VAULT_URL, credential, retry_total=0)  # expect: KV301@10 "Key Vault retries are switched off"
keys = KeyClient(vault_url=VAULT_URL, credential=credential, retry_status=0)  # expect: KV301@8 "Key Vault retries are switched off"
strict = SecretClient(VAULT_URL, credential, retry_policy=RetryPolicy.no_retries())  # expect: KV301@10 "Key Vault retries are switched off"
NO_RETRIES = 0
counted = SecretClient(VAULT_URL, credential, retry_total=NO_RETRIES)  # expect: KV301@11 "Key Vault retries are switched off"
options = {"retry_total": 0, "connection_timeout": 5}
unpacked = SecretClient(VAULT_URL, credential, **options)  # expect: KV301@12 "Key Vault retries are switched off"
policy = AsyncRetryPolicy(retry_total=0)
async_client = AsyncSecretClient(VAULT_URL, credential, retry_policy=policy)  # expect: KV301@16 "Key Vault retries are switched off"


def read_once(name):
    return client.get_secret(name, retry_total=0).value  # expect: KV301@12 "Key Vault retries are switched off"


# ---- negatives -------------------------------------------------------------------------------
default = SecretClient(VAULT_URL, credential)  # azure-core retries 429 by default
tuned = SecretClient(VAULT_URL, credential, retry_total=5, retry_backoff_factor=1.0)
custom = SecretClient(VAULT_URL, credential, retry_policy=RetryPolicy(retry_total=3))
# A credential's own retry settings are not a Key Vault client's.
quick_credential = DefaultAzureCredential(retry_total=0)


class FakeVault:
    """A look-alike with the same method names: not a Key Vault client."""

    def get_secret(self, name, retry_total=3):
        return name


FakeVault().get_secret("x", retry_total=0)
