"""KV105 on tokens for services other than Key Vault: a pinned token fails there too, and the
message names that service (or says "the service" when the audience is not known)."""

import os

import msal
import pyodbc
import requests
from azure.identity import ClientSecretCredential, DefaultAzureCredential

credential = DefaultAzureCredential()
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

# Microsoft Graph, Azure SQL and Resource Manager tokens captured at import time.
GRAPH_TOKEN = credential.get_token(GRAPH_SCOPE).token  # expect: KV105@15 "Microsoft Graph then answers 401 once the token expires"
SQL_TOKEN = credential.get_token("https://database.windows.net/.default").token  # expect: KV105@13 "Azure SQL then refuses new connections"
connection = pyodbc.connect("Driver={ODBC Driver 18 for SQL Server};Server=tcp:contoso.database.windows.net", attrs_before={1256: SQL_TOKEN})
ARM_HEADERS = {"Authorization": "Bearer " + credential.get_token("https://management.azure.com/.default").token}  # expect: KV105@15 "Azure Resource Manager then answers 401"

# An MSAL token for Graph: msal's cache refreshes it when asked again.
app = msal.ConfidentialClientApplication("client-id", client_credential="x")
GRAPH_MSAL = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])["access_token"]  # expect: KV105@14 "Call msal's acquire_token_silent()"

# The audience comes from the environment: which service refuses it is not known.
SOME_TOKEN = credential.get_token(os.environ["TOKEN_SCOPE"]).token  # expect: KV105@14 "reused: the service then answers 401"


# The scope is the helper's parameter: the argument names the service.
def token_for(scope):
    return credential.get_token(scope).token


STORAGE_TOKEN = token_for("https://storage.azure.com/.default")  # expect: KV105@17 "access token for Azure Storage captured once at"
# Asked for again: a second token, captured once too.
STORAGE_TOKEN_AGAIN = token_for("https://storage.azure.com/.default")  # expect: KV105@23 "access token for Azure Storage captured once at"

session = requests.Session()
session.headers.update({"Authorization": f"Bearer {token_for(GRAPH_SCOPE)}"})  # expect: KV105@24 "every later Microsoft Graph request gets 401"


# One token, one finding: the helper stores it and __init__ stores what the helper returns.
class PowerBIClient:
    def __init__(self, tenant_id, client_id, secret):
        self.credential = ClientSecretCredential(tenant_id, client_id, secret)
        self.access_token = self.get_access_token()  # expect: KV105@29 "every Power BI call gets 401"

    def get_access_token(self):
        scope = "https://analysis.windows.net/powerbi/api/.default"
        token = self.credential.get_token(scope).token
        self.token = token
        return token


# ... and the headers built from the stored token are that token again.
class GraphClient:
    def __init__(self):
        self.token = credential.get_token(GRAPH_SCOPE).token  # expect: KV105@22 "access token for Microsoft Graph stored in"
        self.headers = {"Authorization": f"Bearer {self.token}"}


# The AccessToken kept (it carries expires_on), then its text taken twice: one pinned token.
access = credential.get_token(GRAPH_SCOPE)
graph_text = access.token  # expect: KV105@14 "access token for Microsoft Graph captured once"
GRAPH_HEADERS = {"Authorization": "Bearer " + access.token}


# ---- negatives -------------------------------------------------------------------------------

# Asked for on every iteration: not captured once.
for tenant in os.environ["TENANTS"].split(","):
    tenant_token = credential.get_token(GRAPH_SCOPE, tenant_id=tenant).token
    requests.get("https://graph.microsoft.com/v1.0/organization", headers={"Authorization": f"Bearer {tenant_token}"}, timeout=30)


def graph_headers():
    return {"Authorization": f"Bearer {credential.get_token(GRAPH_SCOPE).token}"}  # per call
