"""Settings of the billing service: token audiences used in other modules."""

KV_BASE = "https://vault.azure.net/"
KV_V1 = "https://vault.azure.net"
KV_GOOD = "https://vault.azure.net/.default"
VAULT_SCOPE = "https://vault.azure.net//.default"  # expect: KV101@15 "Key Vault token scope"
# a scope by its name, without /.default: only where it is used as a get_token scope does it
# need one (KV103 is reported there, in billing/tokens.py)
TOKEN_SCOPE = "https://vault.azure.net"


def kv_scope():
    return KV_BASE

GRAPH_RESOURCE = "https://graph.microsoft.com"  # the directory, for billing/directory.py
