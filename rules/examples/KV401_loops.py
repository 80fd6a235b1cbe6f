"""KV401 / KV402 / KV404 through loops and comprehensions: the name a ``for`` binds is the part
of each item it unpacks (``for name, value in pairs``), a dict's keys or values
(``.items()`` / ``.values()`` / ``.keys()``), the item of ``enumerate`` / ``zip`` / ``sorted``.

A part is followed only where the source fixes it: the name of each pair, a dict's keys, the
count ``enumerate`` adds and the length of a value are not the secret; an iterable whose shape
is not known (a parameter, a call kvlint cannot see into) tells nothing about its items.
"""

import logging

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from flask import Flask, jsonify

logger = logging.getLogger(__name__)
app = Flask(__name__)
credential = DefaultAzureCredential()
client = SecretClient("https://contoso.vault.azure.net", credential)
NAMES = ["db-password", "api-key"]


def fetch_all():
    return [(name, client.get_secret(name).value) for name in NAMES]


def fetch_map():
    found = {}
    for name in NAMES:
        found[name] = client.get_secret(name).value
    return found


def fetch_objects():
    secrets = []
    for name in NAMES:
        secrets.append(client.get_secret(name))
    return secrets


def pairs():
    for name, value in fetch_all():
        logger.info("loaded %s", name)
        logger.info("loaded %s", value)  # expect: KV401@9 "Key Vault secret value logged"
    for pair in fetch_all():
        print(pair)  # expect: KV404@9 "Key Vault secret value printed"


def mappings():
    secrets = fetch_map()
    for name, value in secrets.items():
        logger.info("secret %s", name)
        print(value)  # expect: KV404@9 "Key Vault secret value printed"
    for name in secrets:
        logger.info("secret %s", name)
    for name in secrets.keys():
        logger.info("secret %s", name)
    for value in secrets.values():
        logger.debug("value %s", value)  # expect: KV401@9 "Key Vault secret value logged"
    for name, value in sorted(secrets.items()):
        logger.info("%s has %d characters", name, len(value))


def counted():
    for index, secret in enumerate(fetch_objects()):
        print(index, secret.name)
        print(index, secret.value)  # expect: KV404@9 "Key Vault secret value printed"
    for label, value in zip(NAMES, fetch_map().values()):
        print(label)
        logger.info("%s=%s", label, value)  # expect: KV401@9 "Key Vault secret value logged"


def comprehensions():
    values = [client.get_secret(name).value for name in NAMES]
    logger.info("values %s", [v.strip() for v in values])  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("lengths %s", [len(v) for v in values])
    masked = {name: "***" for name in fetch_map()}
    logger.info("masked %s", masked)
    logger.info("copied %s", {k: v for k, v in fetch_map().items()})  # expect: KV401@5 "Key Vault secret value logged"


@app.route("/tokens")
def tokens():
    scopes = {"vault": "https://vault.azure.net/.default"}
    issued = {name: credential.get_token(scope).token for name, scope in scopes.items()}
    for name, token in issued.items():
        logger.info("issued a token for %s", name)
    return jsonify([token for token in issued.values()])  # expect: KV402@12 "access token put in an HTTP response"


def unknown(rows, lookup):
    for name, value in rows:
        logger.info("%s=%s", name, value)  # rows: a parameter, nothing known of its items
    for name, value in lookup().items():
        logger.info("%s=%s", name, value)  # lookup: unknown
