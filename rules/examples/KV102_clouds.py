"""KV102: a Key Vault audience of one cloud with vault URLs of another."""

from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient

credential = ClientSecretCredential("tenant", "client", "secret")
client = SecretClient("https://contoso.vault.azure.cn", credential)
token = credential.get_token("https://vault.azure.net/.default")  # expect: KV102@30 "'https://vault.azure.net' is the public cloud's"
