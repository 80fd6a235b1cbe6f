"""Token requests whose audiences come from billing.config (project-wide KV101 / KV103)."""

from azure.identity import DefaultAzureCredential
from thirdparty.settings import SCOPE

from billing import config
from billing.config import KV_GOOD, KV_V1, TOKEN_SCOPE, VAULT_SCOPE, kv_scope

credential = DefaultAzureCredential()


def tokens():
    credential.get_token(config.KV_BASE)  # expect: KV101@26 "Key Vault token resource"
    credential.get_token(KV_V1)  # expect: KV103@26 "'https://vault.azure.net' is a v1 resource"
    credential.get_token(kv_scope())  # expect: KV101@26 "Key Vault token resource"
    credential.get_token(TOKEN_SCOPE)  # expect: KV103@26 "'https://vault.azure.net' is a v1 resource"


# ---- negatives -------------------------------------------------------------------------------
def fine():
    credential.get_token(KV_GOOD)
    credential.get_token(VAULT_SCOPE)  # reported where it is defined, not again here
    credential.get_token(SCOPE)  # a third-party module: unknown, never read
    credential.get_token(config.MISSING)  # not defined there: unknown
