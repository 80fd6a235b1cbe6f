"""A job that copies secrets through the wrapper class of vaultapp/vault.py: the read is in the
wrapper's method, the loop here (KV304 is reported at the call)."""

from .vault import VaultWrapper


def copy_all(names):
    vault = VaultWrapper()
    return {name: vault.read(name) for name in names}  # expect: KV304@19 "Key Vault read (get_secret() in the helper"


def copy_cached(names):
    vault = VaultWrapper()
    return {name: vault.read_cached(name) for name in names}  # cached there
