"""Services between the routes and the accessor: no Key Vault word here."""

import functools

from billing.secrets import audit_secret, read_secret, signing_client

_settings = {}


def get_settings(tenant):
    return {"smtp": read_secret(f"{tenant}-smtp")}


def sign(document):
    return bool(signing_client()) and document


@functools.lru_cache(maxsize=64)
def cached_settings(tenant):
    return read_secret(f"{tenant}-smtp")


def memo_settings(tenant):
    if tenant not in _settings:
        _settings[tenant] = read_secret(f"{tenant}-smtp")
    return _settings[tenant]


def audit():
    return audit_secret("audit")
