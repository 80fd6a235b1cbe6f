"""KV305 in a Django-style ``views`` module (found by its file name, no Django import)."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


def invoice(request, invoice_id):
    key = client.get_secret("invoice-signing-key").value  # expect: KV305@11 "Key Vault read per request"
    return {"id": invoice_id, "signed": bool(key)}


def helper(invoice_id):
    # Not a view: its first parameter is not `request`, and no view calls it.
    return client.get_secret(f"invoice-{invoice_id}").value
