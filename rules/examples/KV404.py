"""KV404 keyvault-secret-printed: a secret value printed, in a script as in an app."""

import pprint
import sys

import click
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


def show(name):
    secret = client.get_secret(name)
    print(f"{name} = {secret.value}")  # expect: KV404@5 "Key Vault secret value printed"
    sys.stdout.write(secret.value + "\n")  # expect: KV404@5 "Key Vault secret value printed"
    pprint.pprint({"password": secret.value})  # expect: KV404@5 "Key Vault secret value printed"
    click.echo(client.get_secret("api-key").value)  # expect: KV404@5 "Key Vault secret value printed"


def store(name, value):
    # set_secret returns the KeyVaultSecret it stored, value included.
    created = client.set_secret(name, value)
    print("created {0} with value {1}".format(created.name, created.value))  # expect: KV404@5 "Key Vault secret value printed"


# ---- negatives -------------------------------------------------------------------------------
def describe(name):
    secret = client.get_secret(name)
    print(secret.name, secret.properties.version, secret.id)  # metadata, not the value
    print(secret)  # KeyVaultSecret's repr shows only its id
    print(len(secret.value), "characters")  # its length is not the value
    for item in client.list_properties_of_secrets():
        print(item.name)


class Console:
    def print(self, text):  # a method called print is not the builtin
        self.lines = [*getattr(self, "lines", []), text]


def hidden(name):
    Console().print(client.get_secret(name).value)


class Settings:
    """A look-alike with set_secret: not Key Vault."""

    def set_secret(self, name, value):
        return {"name": name, "value": value}


def configure(name, value):
    print(Settings().set_secret(name, value)["value"])


def stored(name, value):
    created = client.set_secret(name, value)
    print(created)  # the KeyVaultSecret's repr again: only its id
    print("stored", created.name, "version", created.properties.version)




if __name__ == "__main__":
    # an admin script that prints a secret on purpose says so
    print(client.get_secret("bootstrap").value)  # kvlint: ignore[KV404]
