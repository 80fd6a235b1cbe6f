"""KV404: track-1 KeyVaultClient results printed. A SecretBundle's str() lists every field,
its value included, so printing the whole bundle prints the secret."""

from azure.common.credentials import ServicePrincipalCredentials  # expect: KV106@1 "azure.common.credentials is retired"
from azure.keyvault import KeyVaultClient, KeyVaultId  # expect: KV106@1 "track-1 azure.keyvault"

VAULT = "https://contoso.vault.azure.net"
credentials = ServicePrincipalCredentials(client_id="id", secret="secret", tenant="tenant")
client = KeyVaultClient(credentials)

bundle = client.get_secret(VAULT, "db-password", KeyVaultId.version_none)
print(bundle)  # expect: KV404@1 "Key Vault secret value printed"
print("value:", bundle.value)  # expect: KV404@1 "Key Vault secret value printed"
created = client.set_secret(VAULT, "api-key", "s3cr3t")
print(created)  # expect: KV404@1 "Key Vault secret value printed"

# ---- negatives -------------------------------------------------------------------------------
print(bundle.id, bundle.attributes.updated)
print(client.get_secret_versions(VAULT, "db-password"))


class Store:
    """A look-alike client whose get_secret is not Key Vault's."""

    def get_secret(self, vault, name, version):
        return {"vault": vault, "name": name, "version": version}


store = Store()
print(store.get_secret(VAULT, "db-password", ""))
