"""A factory: no Key Vault call of its own; it asks the accessor."""

import functools

from layers.infra.accessor import read_secret


def signing_key(tenant):
    return read_secret(f"{tenant}-signing-key")


@functools.lru_cache(maxsize=64)
def cached_key(tenant):
    return read_secret(f"{tenant}-signing-key")  # cached: once per tenant
