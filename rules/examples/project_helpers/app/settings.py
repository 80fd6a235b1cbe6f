import os

VAULT_URL = os.environ.get("VAULT_URL", "https://helpers.vault.azure.net")
WEBHOOK = "https://hooks.example.com/notify"
