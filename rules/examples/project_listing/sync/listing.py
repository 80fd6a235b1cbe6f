"""Helpers that list a vault: their summaries say they return the items of a listing (or their
names), so a loop over their result that reads each item is list-then-get (KV308), not a read
over arbitrary data (KV304)."""

from azure.keyvault.secrets import SecretClient


def secret_names(client: SecretClient):
    names = []
    for properties in client.list_properties_of_secrets():
        names.append(properties.name)
    return names


def all_properties(client: SecretClient):
    return list(client.list_properties_of_secrets())


def requested(rows):
    return [row["name"] for row in rows]
