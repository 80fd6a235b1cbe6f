"""KV401 keyvault-secret-exposed."""

import json
import logging
import sys

import azure.functions as func
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from flask import Flask, jsonify

logger = logging.getLogger(__name__)
app = Flask(__name__)
client = SecretClient("https://myvault.vault.azure.net", DefaultAzureCredential())


def show():
    secret = client.get_secret("db-password")
    print(secret.value)  # expect: KV404@5 "Key Vault secret value printed"
    value = secret.value
    logger.info("password is %s", value)  # expect: KV401@5 "Key Vault secret value logged"
    logging.debug(f"password={value}")  # expect: KV401@5 "Key Vault secret value logged"
    message = "connecting with " + value
    logger.warning(message)  # expect: KV401@5 "Key Vault secret value logged"
    sys.stderr.write("pw: {}\n".format(value))  # expect: KV404@5 "Key Vault secret value printed"
    settings = {"user": "app", "password": secret.value}
    print(json.dumps(settings))  # expect: KV404@5 "Key Vault secret value printed"
    print("%s" % client.get_secret("api-key").value)  # expect: KV404@5 "Key Vault secret value printed"


def password():
    return client.get_secret("db-password").value


def show_through_helper():
    logger.error(f"helper gave {password()}")  # expect: KV401@5 "Key Vault secret value logged"


@app.route("/config")
def config():
    secret = client.get_secret("api-key")  # expect: KV305@14 "Key Vault read per request"
    return jsonify(key=secret.value)  # expect: KV401@12 "Key Vault secret value put in an HTTP response"


@app.route("/raw")
def raw():
    return {"key": client.get_secret("api-key").value}  # expect: KV401@12 "Key Vault secret value returned as an HTTP", KV305@20 "Key Vault read per request"


def main(req: func.HttpRequest) -> func.HttpResponse:
    secret = client.get_secret(req.params.get("name"))  # expect: KV305@14 "Key Vault read per request"
    return func.HttpResponse(f"Secret: {secret.value}")  # expect: KV401@12 "Key Vault secret value put in an HTTP response"


class Service:
    def __init__(self):
        self.log = logging.getLogger("service")
        self.password = client.get_secret("db-password").value

    def connect(self):
        self.log.info("using %s", self.password)  # expect: KV401@9 "Key Vault secret value logged"


def rotate(name, value):
    stored = client.set_secret(name, value)
    logger.info("rotated %s to %s", stored.name, stored.value)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("rotated %s, version %s", stored.name, stored.properties.version)


# ---- negatives -------------------------------------------------------------------------------
def safe():
    secret = client.get_secret("db-password")
    print(secret.name, secret.properties.version, secret.id)
    logger.info("loaded secret %s (%d characters)", secret.name, len(secret.value))
    # the KeyVaultSecret repr shows only its id
    print(secret)
    logger.debug("first characters: %s", secret.value[:2])
    for item in client.list_properties_of_secrets():
        print(item.name)
    connect(password=secret.value)  # used, not exposed
    return secret.value  # an ordinary function returning the value: not a response


def connect(password):
    return password


@app.route("/health")
def health():
    secret = client.get_secret("api-key")  # expect: KV305@14 "Key Vault read per request"
    return jsonify(name=secret.name, enabled=secret.properties.enabled)


class Printer:
    def print(self, text):
        return text


def look_alike():
    value = {"value": "not a secret"}
    print(value["value"])
    Printer().print(client.get_secret("x").name)


# A raw REST read of a secret: the JSON body's "value" is the secret.
def raw_read(token):
    import requests

    response = requests.get(  # expect: KV302@16 "raw HTTP request to Key Vault through requests"
        "https://myvault.vault.azure.net/secrets/db-password?api-version=7.4",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    body = response.json()
    print(body["value"])  # expect: KV404@5 "Key Vault secret value printed"
    print(body["id"], response.json()["attributes"])
