"""KV401 with the project's own classes: a logger class of the module is still a logger (by its
name), and a wrapper method that returns the value carries it to the log."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


class AppLogger:
    def info(self, text):
        print(text)


class Secrets:
    def value(self, name):
        return client.get_secret(name).value

    def version(self, name):
        return client.get_secret(name).properties.version


logger = AppLogger()
secrets = Secrets()


def show(name):
    logger.info(client.get_secret(name).value)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info(secrets.value(name))  # expect: KV401@5 "Key Vault secret value logged"
    logger.info(secrets.version(name))  # a version is not the value
