"""A helper the notebook jobs/enrich.py registers as a Spark UDF: Spark calls it for every row,
so each call is a read. ``# expect-tree:`` lines are reported when the whole project is linted
(the registration is in the notebook)."""

from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", ManagedIdentityCredential())


def partner_key(partner):
    return client.get_secret(f"partner-{partner}").value  # expect-tree: KV304@12 "Key Vault read per row: Spark UDF registered at"


def region_of(partner):
    return partner.split("-")[0]  # no Key Vault work: nothing to say
