import os

VAULT_URL = os.environ.get("VAULT_URL", "https://shop.vault.azure.net")
