"""Fabric / Synapse notebook tokens: getToken(audience) returns a token for the audience named
(an alias such as "Storage", "AzureManagement" or "pbi", or a resource URL). A token for another
service sent to a vault is refused with 401; a vault's own URL is not an audience."""

import requests
from notebookutils import mssparkutils

SECRET_URL = "https://contoso.vault.azure.net/secrets/sql-password?api-version=7.4"


def sql_password():
    token = mssparkutils.credentials.getToken("Storage")  # expect: KV102@47 "a token for 'Storage' is sent to a Key Vault URL"
    answer = requests.get(SECRET_URL, headers={"Authorization": f"Bearer {token}"})  # expect: KV302@14 "raw HTTP request to Key Vault through requests"
    return answer.json()["value"]


def sql_password_arm():
    token = notebookutils.credentials.getToken("https://management.azure.com")  # expect: KV102@48 "a token for 'https://management.azure.com' is"
    answer = requests.get(SECRET_URL, headers={"Authorization": f"Bearer {token}"})  # expect: KV302@14 "raw HTTP request to Key Vault through requests"
    return answer.json()["value"]


vault_token = mssparkutils.credentials.getToken("https://contoso.vault.azure.net")  # expect: KV102@49 "'https://contoso.vault.azure.net' is a vault's", KV105@15 "access token captured once at module level and"


# ---- negatives -------------------------------------------------------------------------------
def blob_listing():
    token = mssparkutils.credentials.getToken("Storage")  # a storage token for storage
    url = "https://contoso.blob.core.windows.net/raw?comp=list&restype=container"
    return requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def report_pages():
    token = notebookutils.credentials.getToken("pbi")  # Power BI's token for Power BI
    url = "https://api.powerbi.com/v1.0/myorg/reports"
    return requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


# an audience, not a v2 scope: no '/.default' is needed here (KV103 does not apply); asked for
# once at the top level, the token is KV105's
kv_token = notebookutils.credentials.getToken("https://vault.azure.net")  # expect: KV105@12 "access token captured once at module level and"
kv_alias = notebookutils.credentials.getToken("keyvault")  # expect: KV105@12 "access token captured once at module level and"
