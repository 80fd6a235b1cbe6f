"""Configuration read from Key Vault into the app (its keys, literal ones only, are what other
modules are told)."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

DEFAULT_REGION = "westeurope"
FEATURES = {"beta": "BETA_ENABLED"}


def configure(app):
    client = SecretClient("https://webapp.vault.azure.net", DefaultAzureCredential())
    app.config["DB_PASSWORD"] = client.get_secret("db-password").value
    app.config["DB_USER"] = "web"
    app.config.update(API_KEY=client.get_secret("api-key").value, REGION=DEFAULT_REGION)
    for name, key in FEATURES.items():
        app.config[key] = client.get_secret(name).value  # a key not written literally
