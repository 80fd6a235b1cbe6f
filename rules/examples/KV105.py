"""KV105 keyvault-token-never-refreshed."""

import msal
import requests
from azure.identity import DefaultAzureCredential

credential = DefaultAzureCredential()
TOKEN = credential.get_token("https://vault.azure.net/.default").token  # expect: KV105
HEADERS = {"Authorization": "Bearer " + credential.get_token("https://vault.azure.net/.default").token}  # expect: KV105

app = msal.ConfidentialClientApplication("client-id", client_credential="x")
ACCESS_TOKEN = app.acquire_token_for_client(scopes=["https://vault.azure.net/.default"])["access_token"]  # expect: KV105
# The same pinned token once more, in a headers dict: one cause, reported once (above).
AUTH_HEADERS = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


SESSION = requests.Session()
SESSION.headers.update({"Authorization": "Bearer " + TOKEN})  # expect: KV105
SESSION.headers["Authorization"] = f"Bearer {ACCESS_TOKEN}"  # expect: KV105


class VaultReader:
    def __init__(self):
        self.credential = DefaultAzureCredential()
        self.token = self.credential.get_token("https://vault.azure.net/.default").token  # expect: KV105

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}


class Settings:
    bearer = f'Bearer {credential.get_token("https://vault.azure.net/.default").token}'  # expect: KV105


# ---- negatives -------------------------------------------------------------------------------
def headers():
    token = credential.get_token("https://vault.azure.net/.default").token  # per call: cached
    return {"Authorization": f"Bearer {token}"}


class RefreshingReader:
    def __init__(self):
        self.credential = DefaultAzureCredential()
        self._token = self.credential.get_token("https://vault.azure.net/.default")
        self.token = self._token.token

    def headers(self):
        if self._token.expires_on < 60:
            self._token = self.credential.get_token("https://vault.azure.net/.default")
            self.token = self._token.token
        return {"Authorization": f"Bearer {self.token}"}


# The AccessToken object itself (it carries expires_on).
ACCESS = credential.get_token("https://vault.azure.net/.default")
# Headers set per request are fine.
def call(url):
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {credential.get_token('https://vault.azure.net/.default').token}"})
    return session.get(url)


# A string that merely looks like a token field.
EXAMPLE = {"access_token": "redacted"}
