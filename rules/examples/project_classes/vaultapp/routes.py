"""Routes that use the Key Vault wrapper class of vaultapp/vault.py.

KV305 is reported at the reads in vault.py (the methods the routes call on every request);
KV401 here, where a route returns what a method read.
"""

from fastapi import Depends, FastAPI

from .lookalike import SettingsStore
from .vault import VaultWrapper, get_vault, resolve

app = FastAPI()
vault = VaultWrapper()  # once, at startup: its __init__ reads happen once
store = SettingsStore()


@app.get("/secret/{name}")
def secret(name: str, kv: VaultWrapper = Depends(get_vault)):
    return {"value": kv.read(name)}  # expect: KV401@12 "Key Vault secret value returned as an HTTP"


@app.get("/names")
def names():
    return {"names": vault.names()}  # KV305 at the list, in vault.py


@app.get("/health")
async def health(kv: VaultWrapper | None = None):
    wrapper = kv or get_vault()
    return {"ok": bool(wrapper.read("health-check"))}  # KV305 at the read, in vault.py


@app.get("/config/{key}")
def config(key: str):
    value = resolve(f"vault://{key}")  # KV305 at the read, in vault.py
    return {"key": key, "value": value}  # expect: KV401@12 "Key Vault secret value returned as an HTTP"


# ---- negatives -------------------------------------------------------------------------------
@app.get("/cached/{name}")
def cached(name: str):
    return {"ok": bool(vault.read_cached(name)), "key": len(vault.api_key)}  # cached there


@app.get("/about")
def about():
    return {"about": vault.describe(), "signed": bool(vault.signing_key)}  # reads nothing


@app.get("/settings/{name}")
def settings(name: str):
    return {"value": store.read(name), "names": store.names()}  # no Key Vault behind it


def report():
    return vault.read("report-key")  # not a request handler
