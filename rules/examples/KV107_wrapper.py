"""KV107 through a first-party REST wrapper: the helper requests whatever URL it is given; a
call passing the managed-identity token endpoint is the hand-rolled token request (reported at
the call, which names the helper). Other URLs through the same helper are not."""

import os

import requests

IMDS_TOKEN_URL = "http://169.254.169.254/metadata/identity/oauth2/token"


def get_json(url, headers=None, params=None):
    return requests.get(url, headers=headers, params=params, timeout=10).json()


def vault_token():
    params = {"api-version": "2018-02-01", "resource": "https://vault.azure.net"}
    return get_json(IMDS_TOKEN_URL, {"Metadata": "true"}, params)["access_token"]  # expect: KV107@12 "hand-rolled managed identity token request to"


def app_service_token():
    url = os.environ["IDENTITY_ENDPOINT"] + "?resource=https://vault.azure.net"
    headers = {"X-IDENTITY-HEADER": os.environ["IDENTITY_HEADER"]}
    return get_json(url, headers)["access_token"]  # expect: KV107@12 "hand-rolled managed identity token request to"


# ---- negatives -------------------------------------------------------------------------------
def weather():
    return get_json("https://api.example.com/weather")  # another service through the helper
