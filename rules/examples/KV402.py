"""KV402 keyvault-token-exposed."""

import logging

import msal
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential
from fastapi import FastAPI
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)
api = FastAPI()
credential = DefaultAzureCredential()
msal_app = msal.ConfidentialClientApplication("client-id", client_credential="x")


def debug_tokens():
    token = credential.get_token("https://vault.azure.net/.default")
    print("token:", token.token)  # expect: KV402@5 "access token printed"
    log.debug(token)  # expect: KV402@5 "access token logged"
    bearer = f"Bearer {token.token}"
    headers = {"Authorization": bearer}
    log.info("headers: %s", headers)  # expect: KV402@5 "access token logged"
    result = msal_app.acquire_token_for_client(scopes=["https://vault.azure.net/.default"])
    print(result["access_token"])  # expect: KV402@5 "access token printed"
    print(result)  # expect: KV402@5 "access token printed"


async def debug_async():
    async_credential = ManagedIdentityCredential()
    info = await async_credential.get_token_info("https://vault.azure.net/.default")
    log.warning("token %s", info.token)  # expect: KV402@5 "access token logged"


@api.get("/token")
def token_endpoint():
    token = credential.get_token("https://vault.azure.net/.default")
    return {"token": token.token}  # expect: KV402@12 "access token returned as an HTTP response"


@api.get("/token2")
def token_endpoint2():
    token = credential.get_token("https://vault.azure.net/.default")
    return JSONResponse({"access_token": token.token})  # expect: KV402@12 "access token put in an HTTP response"


# ---- negatives -------------------------------------------------------------------------------
def fine():
    token = credential.get_token("https://vault.azure.net/.default")
    print("token expires at", token.expires_on)
    log.info("got a token of %d characters", len(token.token))
    log.debug("token starts with %s", token.token[:8])
    result = msal_app.acquire_token_for_client(scopes=["https://vault.azure.net/.default"])
    if "access_token" not in result:
        print(result.get("error"), result.get("error_description"))
        log.error("token request failed: %s", result["error_description"])
    return token.token


@api.get("/expiry")
def expiry():
    return {"expires_on": credential.get_token("https://vault.azure.net/.default").expires_on}
