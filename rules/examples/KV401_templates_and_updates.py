"""KV401 / KV404: a secret added with ``+=``, parsed with ``json.loads``, or handed whole to a
template's context (the template reads ``{{ secret.value }}``)."""

import json
import logging

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from django.shortcuts import render
from flask import Flask, render_template

logger = logging.getLogger(__name__)
app = Flask(__name__)
client = SecretClient("https://myvault.vault.azure.net", DefaultAzureCredential())
secret = client.get_secret("django-secret")  # read once, at import


@app.route("/banner")
def banner():
    body = "key: "
    body += client.get_secret("api-key").value  # expect: KV305@13 "Key Vault read per request"
    return body  # expect: KV401@12 "Key Vault secret value returned as an HTTP response"


@app.route("/length")
def length():
    size = 0
    size += len(secret.value)  # a length says nothing of the value
    return {"size": size}


def settings():
    config = json.loads(client.get_secret("app-config").value)
    print(config)  # expect: KV404@5 "Key Vault secret value printed"
    logger.info("config keys: %s", sorted(json.loads("{}")))  # not the secret


def login(request):
    return render(request, "login.html", context={"secret": secret})  # expect: KV401@12 "Key Vault secret value put in an HTTP response"


def about(request):
    return render(request, "about.html", {"version": secret.properties.version})


@app.route("/profile")
def profile():
    return render_template("profile.html", secret=secret)  # expect: KV401@12 "Key Vault secret value put in an HTTP response"


def audit():
    logger.info("using %s", secret)  # the object's repr shows its id, not its value
