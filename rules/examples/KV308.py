"""KV308 keyvault-list-then-get."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.certificates import CertificateClient
from azure.keyvault.secrets import SecretClient
from azure.keyvault.secrets.aio import SecretClient as AsyncSecretClient

VAULT_URL = "https://contoso.vault.azure.net"
credential = DefaultAzureCredential()
client = SecretClient(VAULT_URL, credential)
certificates = CertificateClient(VAULT_URL, credential)

for properties in client.list_properties_of_secrets():
    secret = client.get_secret(properties.name)  # expect: KV308@14 "get_secret() for every item of"
    print(secret.name)

listed = client.list_properties_of_secrets()
VALUES = {p.name: client.get_secret(p.name).value for p in listed}  # expect: KV308@19 "get_secret() for every item of"

for version in client.list_properties_of_secret_versions("db-password"):
    client.get_secret(version.name, version.version)  # expect: KV308@5 "get_secret() for every item of"

for cert in certificates.list_properties_of_certificates():
    certificates.get_certificate(cert.name)  # expect: KV308@5 "get_certificate() for every item of"


async def all_values():
    async with AsyncSecretClient(VAULT_URL, credential) as aio_client:
        return {p.name: (await aio_client.get_secret(p.name)).value async for p in aio_client.list_properties_of_secrets()}  # expect: KV308@32 "get_secret() for every item of"


# A demo that lists a handful of items and gets each: KV308 (info), not KV304 (the loop is
# over the listing, however small the sample).
for name in ("demo-1", "demo-2", "demo-3"):
    client.set_secret(name, "value")
sample = list(client.list_properties_of_secrets())
for properties in sample[:3]:
    print(client.get_secret(properties.name).name)  # expect: KV308@11 "get_secret() for every item of"
listed_names = [p.name for p in client.list_properties_of_secrets()]
for listed_name in listed_names:
    client.get_secret(listed_name)  # expect: KV308@5 "get_secret() for every item of"



def export_all(vault: SecretClient):
    # the names collected with append in a loop over the listing (the client a parameter)
    names = []
    for prop in vault.list_properties_of_secrets():
        names.append(prop.name)
    return {name: vault.get_secret(name).value for name in names}  # expect: KV308@19 "get_secret() for every item of"


def export_requested(vault: SecretClient, requested):
    # names collected from the caller's data, not from a listing: a read per item (KV304)
    wanted = []
    for entry in requested:
        wanted.append(entry["name"])
    return [vault.get_secret(name).value for name in wanted]  # expect: KV304@13 "Key Vault read inside a comprehension over data"


# ---- negatives -------------------------------------------------------------------------------
# The listed properties carry what is needed: no per-item read.
ENABLED = [p.name for p in client.list_properties_of_secrets() if p.enabled]
TAGGED = {p.name: p.tags for p in client.list_properties_of_secrets()}


class Catalogue:
    """A look-alike with list_properties_of_secrets / get_secret: not Key Vault."""

    def list_properties_of_secrets(self):
        return []

    def get_secret(self, name):
        return name


catalogue = Catalogue()
for item in catalogue.list_properties_of_secrets():
    catalogue.get_secret(item.name)
