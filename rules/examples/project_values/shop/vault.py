"""Where the secrets come from: each function's summary says what its result carries, whole and
by part (a secret value at index 1, at key "db", in the field ``password``)."""

from dataclasses import dataclass

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

credential = DefaultAzureCredential()
client = SecretClient("https://contoso.vault.azure.net", credential)


def fetch(name):
    return True, client.get_secret(name).value


def settings():
    found = {"user": "shop"}
    found["db"] = client.get_secret("db-password").value
    return found


@dataclass
class Credentials:
    user: str
    password: str


def load_credentials():
    return Credentials("shop", client.get_secret("db-password").value)


def bearer():
    token = credential.get_token("https://vault.azure.net/.default")
    return token.token, token.expires_on


def connection_string():
    return f"Server=db;Password={client.get_secret('db-password').value}"


class Settings:
    """What its instances hold: ``password`` carries the secret, ``user`` (the caller's) does not."""

    def __init__(self, user):
        self.user = user
        self.password = client.get_secret("db-password").value


shared = Settings("shop")
