"""KV305 keyvault-read-per-request (Flask, FastAPI, helpers, caches)."""

import functools
import time

import cachetools
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient
from fastapi import APIRouter, Depends, FastAPI
from flask import Blueprint, Flask

VAULT_URL = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()
client = SecretClient(VAULT_URL, credential)
aio_client = AsyncSecretClient(VAULT_URL, credential)

app = Flask(__name__)
bp = Blueprint("orders", __name__)
api = FastAPI()
router = APIRouter()


@app.route("/orders")
def orders():
    password = client.get_secret("db-password").value  # expect: KV305@16 "Key Vault read per request"
    return {"connected": bool(password)}


@bp.get("/report")
def report():
    return {"key": bool(_api_key())}


def _api_key():
    return client.get_secret("reporting-api-key").value  # expect: KV305@12 "Key Vault read per request"


@api.get("/items")
async def items():
    secret = await aio_client.get_secret("items-key")  # expect: KV305@20 "Key Vault read per request"
    return {"ok": secret.value is not None}


@router.post("/upload")
async def upload():
    async for props in aio_client.list_properties_of_secrets():  # expect: KV305@24 "Key Vault read per request"
        print(props.name)
    return {}


async def storage_key():
    return (await aio_client.get_secret("storage-key")).value  # expect: KV305@19 "Key Vault read per request"


@api.get("/files")
async def files(key: str = Depends(storage_key)):
    return {"key": bool(key)}


# ---- negatives -------------------------------------------------------------------------------
# The idiomatic pattern: read once at startup, module-level client.
DB_PASSWORD = client.get_secret("db-password").value


@app.route("/health")
def health():
    return {"db": bool(DB_PASSWORD)}


@functools.lru_cache(maxsize=32)
def cached_secret(name):
    return client.get_secret(name).value


@app.route("/cached")
def cached():
    return {"key": bool(cached_secret("api-key"))}


@cachetools.cached(cachetools.TTLCache(maxsize=16, ttl=600))
def ttl_secret(name):
    return client.get_secret(name).value


@api.get("/ttl")
async def ttl():
    return {"key": bool(ttl_secret("api-key"))}


_token_cache = {"value": None, "fetched": 0.0}


@app.route("/memo")
def memo():
    if _token_cache["value"] is None or time.time() - _token_cache["fetched"] > 600:
        _token_cache["value"] = client.get_secret("signing-key").value
        _token_cache["fetched"] = time.time()
    return {"ok": True}


_signing_key = None


def signing_key():
    global _signing_key
    if _signing_key is None:
        _signing_key = client.get_secret("signing-key").value
    return _signing_key


@app.route("/sign")
def sign():
    return {"key": bool(signing_key())}


class Settings:
    """A look-alike with get_secret, used per request: not Key Vault."""

    def get_secret(self, name):
        return name


settings = Settings()


@app.route("/lookalike")
def lookalike():
    return {"value": settings.get_secret("x")}


def warm_up():
    # Not a handler and not called by one: a startup read.
    return client.get_secret("warm").value
