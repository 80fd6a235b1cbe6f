"""KV401 / KV402 / KV404 through the parts of values: tuples and unpacking, dict keys and items
put in later, attributes, the fields of dataclasses, NamedTuples and pydantic models, and
helpers that write a parameter out (reported at the call, naming the helper).

A part is followed only where the source fixes it: ``ok`` in ``ok, value = fetch()`` is not
the secret, ``config["user"]`` is not ``config["db"]``, and an object whose ``repr`` shows no
field (a plain class, a pydantic ``SecretStr``) is not its secret when logged whole.
"""

import logging
from dataclasses import dataclass, field
from typing import NamedTuple

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from django.shortcuts import render
from fastapi.templating import Jinja2Templates
from flask import Flask, jsonify
from pydantic import BaseModel, SecretStr

logger = logging.getLogger(__name__)
app = Flask(__name__)
templates = Jinja2Templates(directory="templates")
credential = DefaultAzureCredential()
client = SecretClient("https://contoso.vault.azure.net", credential)


# ---- tuples and unpacking ------------------------------------------------------------------
def fetch(name):
    return True, client.get_secret(name).value


def unpacking():
    ok, value = fetch("db-password")
    logger.info("fetched: %s", ok)
    logger.info("fetched %s", value)  # expect: KV401@5 "Key Vault secret value logged"
    logger.debug("second: %s", fetch("api-key")[1])  # expect: KV401@5 "Key Vault secret value logged"
    logger.debug("first: %s", fetch("api-key")[0])


def token_pair():
    token = credential.get_token("https://vault.azure.net/.default")
    return token.token, token.expires_on


@app.route("/token")
def token_route():
    bearer, expires = token_pair()
    jsonify(expires=expires)
    return jsonify(token=bearer)  # expect: KV402@12 "access token put in an HTTP response"


# ---- dict keys and items put in later -----------------------------------------------------
def settings():
    found = {}
    found["user"] = "app"
    found["db"] = client.get_secret("db-password").value
    return found


def containers():
    config = settings()
    logger.info("user %s", config["user"])
    logger.info("db %s", config["db"])  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("settings %s", config)  # expect: KV401@5 "Key Vault secret value logged"
    names = []
    values = []
    for item in client.list_properties_of_secrets():
        names.append(item.name)
        values.append(client.get_secret(item.name).value)  # expect: KV308@23 "get_secret() for every item of"
    logger.info("names %s", names)
    logger.info("values %s", values)  # expect: KV401@5 "Key Vault secret value logged"


def flask_config():
    app.config["DB_PASSWORD"] = client.get_secret("db-password").value
    app.config["DB_USER"] = "app"
    logger.info("user %s", app.config["DB_USER"])
    logger.info("password %s", app.config["DB_PASSWORD"])  # expect: KV401@5 "Key Vault secret value logged"


def page(request):
    context = {"title": "Settings"}
    context["password"] = client.get_secret("db-password").value  # expect: KV305@27 "Key Vault read per request"
    return render(request, "settings.html", context)  # expect: KV401@12 "Key Vault secret value put in an HTTP response"


def fastapi_page(req):
    secret = client.get_secret("api-key")
    return templates.TemplateResponse("key.html", {"request": req, "key": secret.value})  # expect: KV401@12 "Key Vault secret value put in an HTTP response"


def fastapi_page_ok(req):
    secret = client.get_secret("api-key")
    return templates.TemplateResponse("key.html", {"request": req, "name": secret.name})


# ---- fields and attributes ----------------------------------------------------------------
@dataclass
class Credentials:
    user: str
    password: str


@dataclass
class Quiet:
    user: str
    password: str = field(repr=False)


class Pair(NamedTuple):
    name: str
    value: str


class Settings(BaseModel):
    user: str
    password: str


class HiddenSettings(BaseModel):
    user: str
    password: SecretStr


class Holder:
    def __init__(self, name, value):
        self.name = name
        self.value = value


def fields():
    creds = Credentials("app", client.get_secret("db-password").value)
    logger.info("user %s", creds.user)
    logger.info("credentials %s", creds)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("password %s", creds.password)  # expect: KV401@5 "Key Vault secret value logged"
    quiet = Quiet("app", client.get_secret("db-password").value)
    logger.info("credentials %s", quiet)
    logger.info("password %s", quiet.password)  # expect: KV401@5 "Key Vault secret value logged"
    pair = Pair("api-key", client.get_secret("api-key").value)
    logger.info("pair %s", pair)  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("name %s", pair.name)
    model = Settings(user="app", password=client.get_secret("db-password").value)
    logger.info("settings %s", model)  # expect: KV401@5 "Key Vault secret value logged"
    hidden = HiddenSettings(user="app", password=client.get_secret("db-password").value)
    logger.info("settings %s", hidden)
    holder = Holder("api-key", client.get_secret("api-key").value)
    logger.info("holder %s", holder)  # a plain object's repr shows no attribute
    logger.info("holder %s", holder.name)
    logger.info("holder %s", holder.value)  # expect: KV401@5 "Key Vault secret value logged"


# ---- helpers that write a parameter out ---------------------------------------------------
def log_value(label, value):
    logger.info("%s: %s", label, value)


def log_length(value):
    logger.info("%d characters", len(value))


def audit(what):
    log_value("audit", what)


def show(text):
    print(text)


class Reporter:
    def report(self, value):
        logger.warning("report: %s", value)


def helpers():
    value = client.get_secret("api-key").value
    log_value("api-key", value)  # expect: KV401@5 "Key Vault secret value logged through"
    log_value(value[:0], "loaded")
    log_length(value)
    audit(value)  # expect: KV401@5 "Key Vault secret value logged through `audit()`"
    show(value)  # expect: KV404@5 "Key Vault secret value printed"
    Reporter().report(value)  # expect: KV401@5 "Key Vault secret value logged through `report()`"
    Reporter().report("done")
