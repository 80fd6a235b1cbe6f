"""Routes that read Key Vault through accessors defined in another module.

KV305 / KV306 are reported where the read and the construction are (shop/vault.py), as for a
same-module helper; the message names the route that calls the accessor. KV401 is here: the
route returns the secret.
"""

from flask import Flask

import shop.vault
from shop import cached_read, fresh_value, get_value, startup_value

from ..vault import get_value as read

app = Flask(__name__)
DB_PASSWORD = get_value("db-password")  # once at startup: fine


@app.route("/orders")
def orders():
    password = get_value("db-password")  # KV305 at the read, in shop/vault.py
    return {"connected": bool(password)}


@app.route("/key")
def key():
    return {"key": read("api-key")}  # expect: KV401@12 "Key Vault secret value returned as an HTTP"


@app.route("/fresh")
def fresh():
    value = fresh_value()  # KV305 and KV306 in shop/vault.py
    return {"ok": bool(value)}


@app.route("/module")
def through_module():
    return {"ok": bool(shop.vault.get_value("x"))}


# ---- negatives -------------------------------------------------------------------------------
@app.route("/cached")
def cached():
    return {"ok": bool(cached_read("api-key"))}  # cached where it is defined


@app.route("/startup")
def startup():
    return {"ok": bool(DB_PASSWORD), "other": startup_value()}  # reads nothing


def report():
    return get_value("report-key")  # not a request handler
