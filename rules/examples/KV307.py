"""KV307 keyvault-hsm-key-create-in-loop."""

import asyncio

from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient, KeyType
from azure.keyvault.keys.aio import KeyClient as AsyncKeyClient

VAULT_URL = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()
keys = KeyClient(VAULT_URL, credential)
aio_keys = AsyncKeyClient(VAULT_URL, credential)


def provision(tenants):
    for tenant in tenants:
        keys.create_rsa_key(f"tenant-{tenant}", size=2048, hardware_protected=True)  # expect: KV307@9 "HSM-protected key created in a for loop"


def provision_ec(count):
    return [keys.create_ec_key(f"signing-{i}", hardware_protected=True) for i in range(count)]  # expect: KV307@13 "HSM-protected key created in a comprehension"


def provision_by_type(names):
    for name in names:
        keys.create_key(name, KeyType.rsa_hsm)  # expect: KV307@9 "HSM-protected key created in a for loop"
        keys.create_key(name + "-ec", key_type="EC-HSM")  # expect: KV307@9 "HSM-protected key created in a for loop"


async def provision_async(names):
    await asyncio.gather(*(aio_keys.create_rsa_key(n, hardware_protected=True) for n in names))  # expect: KV307@28 "HSM-protected key created in a comprehension"


# ---- negatives -------------------------------------------------------------------------------
def software_keys(tenants):
    for tenant in tenants:
        keys.create_rsa_key(f"tenant-{tenant}", size=2048)
        keys.create_key(f"tenant-{tenant}-ec", KeyType.ec)
        keys.create_ec_key(f"tenant-{tenant}-p256", hardware_protected=False)


def one_hsm_key():
    return keys.create_rsa_key("root", hardware_protected=True)


def one_hsm_key_with_retry():
    for attempt in range(5):
        try:
            return keys.create_rsa_key("root", hardware_protected=True)
        except Exception:
            asyncio.run(asyncio.sleep(2**attempt))
    return None


class FakeKms:
    """A look-alike with create_rsa_key: not Key Vault."""

    def create_rsa_key(self, name, hardware_protected=False):
        return name


def fake(names):
    kms = FakeKms()
    for name in names:
        kms.create_rsa_key(name, hardware_protected=True)
