# Fabric notebook source
# A Fabric notebook exported as source: notebookutils / mssparkutils are runtime globals, and
# credentials.getToken(...) returns an access token's text. A notebook that runs longer than
# the token lives (an hour or so) gets 401 from the service once it expires.

# CELL ********************

import requests

POWER_BI = "https://analysis.windows.net/powerbi/api"
pbi_token = notebookutils.credentials.getToken(POWER_BI)  # expect: KV105@13 "Power BI then answers 401 once the token expires"
# The same token in the headers: one token, reported once (above).
pbi_headers = {"Authorization": f"Bearer {pbi_token}"}

# CELL ********************

# Fabric's short names: "storage", "pbi", "kusto", "keyvault".
storage_token = mssparkutils.credentials.getToken("storage")  # expect: KV105@17 "access token for Azure Storage captured once at"
vault_token = mssparkutils.credentials.getToken("keyvault")  # expect: KV105@15 "Key Vault then answers 401. Call getToken() again"

# CELL ********************

# ---- negatives ---------------------------------------------------------------------------------
# Asked for again for every workspace: not captured once.
for workspace in ["sales", "finance"]:
    token = notebookutils.credentials.getToken("pbi")
    requests.get(f"https://api.powerbi.com/v1.0/myorg/groups?$filter=name eq '{workspace}'", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def refresh_dataset(group, dataset):
    token = notebookutils.credentials.getToken("pbi")  # per call
    url = f"https://api.powerbi.com/v1.0/myorg/groups/{group}/datasets/{dataset}/refreshes"
    return requests.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
