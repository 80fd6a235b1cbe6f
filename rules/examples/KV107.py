"""KV107 hand-rolled-managed-identity-token."""

import os
import subprocess

import requests

IMDS = "http://169.254.169.254/metadata/identity/oauth2/token"


def vm_token():
    params = {"api-version": "2018-02-01", "resource": "https://vault.azure.net"}
    response = requests.get(IMDS, params=params, headers={"Metadata": "true"})  # expect: KV107@16 "hand-rolled managed identity token request to"
    return response.json()["access_token"]


def vm_token_without_header():
    return requests.get(IMDS + "?api-version=2018-02-01&resource=https://vault.azure.net")  # expect: KV107@12 "hand-rolled managed identity token request to"


def app_service_token():
    endpoint = os.environ["IDENTITY_ENDPOINT"]
    url = f"{endpoint}?resource=https://vault.azure.net&api-version=2019-08-01"
    headers = {"X-IDENTITY-HEADER": os.environ["IDENTITY_HEADER"]}
    return requests.get(url, headers=headers).json()  # expect: KV107@12 "hand-rolled managed identity token request to"


def old_app_service_token():
    url = os.getenv("MSI_ENDPOINT") + "?resource=https://vault.azure.net&api-version=2017-09-01"
    return requests.get(url, headers={"secret": os.getenv("MSI_SECRET")})  # expect: KV107@12 "hand-rolled managed identity token request to"


def shell_token():
    endpoint = os.environ["IDENTITY_ENDPOINT"]
    command = 'curl "%s?resource=https://vault.azure.net&api-version=2019-08-01"' % endpoint
    return os.popen(command).read()  # expect: KV107@12 "managed identity token fetched by shelling out"


def shell_token_imds():
    return subprocess.check_output(  # expect: KV107@12 "managed identity token fetched by shelling out"
        ["curl", "-H", "Metadata: true", IMDS + "?resource=https://vault.azure.net&api-version=2018-02-01"]
    )


def token_from(endpoint):
    """The IMDS URL passed in, recognisable by IMDS's Metadata header and a resource."""
    params = {"api-version": "2018-02-01", "resource": "https://vault.azure.net"}
    return requests.get(endpoint, params=params, headers={"Metadata": "true"})  # expect: KV107@12 "hand-rolled managed identity token request to"


# ---- negatives -------------------------------------------------------------------------------
def metadata_from(endpoint):
    """Instance metadata through a passed-in URL: no resource, not a token request."""
    return requests.get(endpoint, params={"api-version": "2021-02-01"}, headers={"Metadata": "true"})


def instance_metadata():
    """IMDS itself (not the token endpoint) is fine to call."""
    return requests.get(
        "http://169.254.169.254/metadata/instance?api-version=2021-02-01",
        headers={"Metadata": "true"},
    )


def other_endpoint():
    return requests.get(os.environ["API_ENDPOINT"])


def shell_other():
    return subprocess.run(["curl", "https://example.com"], check=False)
