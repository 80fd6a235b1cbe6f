"""Settings of the billing service: token audiences used in other modules."""

KV_BASE = "https://vault.azure.net/"
KV_V1 = "https://vault.azure.net"
KV_GOOD = "https://vault.azure.net/.default"
VAULT_SCOPE = "https://vault.azure.net//.default"  # expect: KV101@15 "Key Vault token scope"


def kv_scope():
    return KV_BASE
