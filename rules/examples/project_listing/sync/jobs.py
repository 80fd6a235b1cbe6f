"""Jobs over the helpers of sync/listing.py and sync/http.py."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

from sync.http import call_api
from sync.listing import all_properties, requested, secret_names

VAULT = "https://sync.vault.azure.net"
client = SecretClient(VAULT, DefaultAzureCredential())


def export():
    out = {}
    for name in secret_names(client):
        out[name] = client.get_secret(name).value  # expect: KV308@21 "get_secret() for every item of"
    for properties in all_properties(client):
        out[properties.name] = client.get_secret(properties.name).value  # expect: KV308@32 "get_secret() for every item of"
    return out


def export_requested(rows):
    # names from the caller's data, not from a listing: a read per item
    return {name: client.get_secret(name).value for name in requested(rows)}  # expect: KV304@19 "Key Vault read inside a comprehension over data"


def sync(names, subscriptions, users, token):
    for name in names:
        call_api(f"{VAULT}/secrets/{name}?api-version=7.4", token)  # expect: KV304@9 "Key Vault read (get() in the helper call_api())"
    for subscription in subscriptions:
        # the same helper given Azure Resource Manager and Microsoft Graph URLs: no vault read
        call_api(f"https://management.azure.com/subscriptions/{subscription}?api-version=2022-01-01", token)
    for user in users:
        call_api(f"https://graph.microsoft.com/v1.0/users/{user}", token)
