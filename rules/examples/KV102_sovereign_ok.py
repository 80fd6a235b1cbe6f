"""KV102 negatives: sovereign clouds used consistently, and multi-cloud code."""

from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient

credential = ClientSecretCredential("tenant", "client", "secret")
china = SecretClient("https://contoso.vault.azure.cn", credential)
credential.get_token("https://vault.azure.cn/.default")
gov = ClientSecretCredential("tenant", "client", "secret")
gov.get_token("https://vault.usgovcloudapi.net/.default")
hsm = credential.get_token("https://managedhsm.azure.cn/.default")
by_app_id = credential.get_token("cfa8b339-82a2-471a-a3c9-0fc0be7a4093/.default")
