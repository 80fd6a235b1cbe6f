"""KV402 keyvault-token-exposed: token text in Flask responses, also from a raw token request."""

import os

import requests
from azure.identity import DefaultAzureCredential
from flask import Flask, jsonify

app = Flask(__name__)
credential = DefaultAzureCredential()


@app.route("/token")
def token_json():
    token = credential.get_token("https://vault.azure.net/.default")
    return jsonify({"token": token.token})  # expect: KV402@12 "access token put in an HTTP response"


@app.route("/token/raw")
def token_text():
    return credential.get_token("https://vault.azure.net/.default").token  # expect: KV402@12 "access token returned as an HTTP response"


def get_mi_token():
    # App Service managed identity endpoint, by hand (KV107), and its token returned.
    response = requests.get(  # expect: KV107@16 "hand-rolled managed identity token request to"
        os.environ["IDENTITY_ENDPOINT"],
        headers={"X-IDENTITY-HEADER": os.environ["IDENTITY_HEADER"]},
        params={"api-version": "2019-08-01", "resource": "https://vault.azure.net"},
        timeout=10,
    )
    token_response = response.json()
    return jsonify(message=token_response.get("access_token")), 200  # expect: KV402@12 "access token put in an HTTP response"


@app.route("/token/imds")
def imds_token():
    body = requests.get(  # expect: KV107@12 "hand-rolled managed identity token request to"
        "http://169.254.169.254/metadata/identity/oauth2/token",
        params={"api-version": "2018-02-01", "resource": "https://vault.azure.net"},
        headers={"Metadata": "true"},
        timeout=10,
    ).json()
    return {"access_token": body["access_token"]}  # expect: KV402@12 "access token returned as an HTTP response"


@app.route("/token/sp")
def service_principal_token():
    answer = requests.post(
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "scope": "https://vault.azure.net/.default"},
        timeout=10,
    )
    return answer.json()["access_token"]  # expect: KV402@12 "access token returned as an HTTP response"


# ---- negatives -------------------------------------------------------------------------------
@app.route("/token/expiry")
def token_expiry():
    body = requests.get(  # expect: KV107@12 "hand-rolled managed identity token request to"
        "http://169.254.169.254/metadata/identity/oauth2/token",
        params={"api-version": "2018-02-01", "resource": "https://vault.azure.net"},
        headers={"Metadata": "true"},
        timeout=10,
    ).json()
    return jsonify(expires_on=body["expires_on"], token_type=body.get("token_type"))


@app.route("/oauth/callback")
def github_login():
    # A third-party OAuth provider's answer, not an Azure token endpoint.
    answer = requests.post("https://github.com/login/oauth/access_token", timeout=10).json()
    return jsonify(access_token=answer["access_token"])


@app.route("/partner")
def partner_token():
    # Another OAuth server's /oauth2/token: its token is not an Azure token.
    answer = requests.post("https://api.partner.example/v1/security/oauth2/token", timeout=10)
    return answer.json()["access_token"]


@app.route("/example")
def example():
    sample = {"access_token": "redacted"}
    return jsonify(sample["access_token"])
