"""A service of the monorepo: its routes read through the shared package per request."""

from flask import Flask
from legacy_vault import read_secret as legacy_read
from shared_vault.accessor import read_secret

app = Flask(__name__)


@app.route("/key")
def key():
    return {"ok": bool(read_secret("api-key"))}


@app.route("/legacy")
def legacy():
    return {"ok": bool(legacy_read("api-key"))}
