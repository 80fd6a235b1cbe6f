"""Routes and jobs using shop.vault and shop.logs."""

import logging

from flask import Flask, jsonify

from shop.logs import audit, log_size, log_value
from shop.records import Entry, Login, QuietLogin
from shop.vault import Settings, bearer, connection_string, fetch, load_credentials, settings
from shop.vault import shared as shared_settings

app = Flask(__name__)
logger = logging.getLogger(__name__)


def warm_up():
    ok, value = fetch("api-key")
    logger.info("api key loaded: %s", ok)
    logger.info("api key %s", value)  # expect: KV401@5 "Key Vault secret value logged"
    log_value("api-key", value)  # expect: KV401@5 "Key Vault secret value logged through"
    log_value("api-key", "loaded")
    log_size(value)
    audit("rotated", value)  # expect: KV401@5 "Key Vault secret value logged through `audit()`"
    audit(value[:0], "done")


def show_settings():
    found = settings()
    logger.info("user %s", found["user"])
    logger.info("db %s", found["db"])  # expect: KV401@5 "Key Vault secret value logged"
    creds = load_credentials()
    logger.info("user %s", creds.user)
    logger.info("credentials %s", creds)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("password %s", creds.password)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("connecting with %s", connection_string())  # expect: KV401@5 "Key Vault secret value logged"


@app.route("/token")
def token():
    value, expires = bearer()
    jsonify(expires_on=expires)
    return jsonify(token=value)  # expect: KV402@12 "access token put in an HTTP response"


def show_instances():
    mine = Settings("reports")
    logger.info("user %s", mine.user)
    logger.info("password %s", mine.password)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("password %s", shared_settings.password)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("user %s", shared_settings.user)


def show_records():
    ok, value = fetch("db-password")
    login = Login("shop", value)
    logger.info("login %s", login)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("user %s", login.user)
    logger.info("password %s", login.password)  # expect: KV401@5 "Key Vault secret value logged"
    quiet = QuietLogin("shop", value)
    logger.info("login %s", quiet)
    entry = Entry(name="db-password", value=value)
    logger.info("entry %s", entry)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("entry %s", entry.name)
