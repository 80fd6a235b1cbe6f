"""KV106: track-1 identifier helpers imported from azure.keyvault (one finding per library)."""

from azure.keyvault import CertificateId, KeyId, KeyVaultId, SecretId  # expect: KV106@1 "track-1 azure.keyvault"
from azure.keyvault.key_vault_id import parse_secret_id  # the same library again
import azure.keyvault.key_vault_id  # and again

secret_id = SecretId("https://contoso.vault.azure.net/secrets/db-password")
key_id = KeyId("https://contoso.vault.azure.net/keys/signing")
