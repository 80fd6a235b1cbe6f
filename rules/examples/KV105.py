"""KV105 keyvault-token-never-refreshed."""

import msal
import requests
from azure.identity import DefaultAzureCredential

credential = DefaultAzureCredential()
TOKEN = credential.get_token("https://vault.azure.net/.default").token  # expect: KV105@9 "and Key Vault then answers 401. Keep the credential"
HEADERS = {"Authorization": "Bearer " + credential.get_token("https://vault.azure.net/.default").token}  # expect: KV105@11 "access token captured once at module level and"

app = msal.ConfidentialClientApplication("client-id", client_credential="x")
ACCESS_TOKEN = app.acquire_token_for_client(scopes=["https://vault.azure.net/.default"])["access_token"]  # expect: KV105@16 "Key Vault then answers 401. Call msal's acquire_token_silent()"
# The same pinned token once more, in a headers dict: one cause, reported once (above).
AUTH_HEADERS = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


def _bearer_headers():
    token = credential.get_token("https://vault.azure.net/.default").token
    return {"Authorization": f"Bearer {token}"}


# Headers built once at import time by a helper: the same pinned token.
SHARED_HEADERS = _bearer_headers()  # expect: KV105@18 "access token captured once at module level and"


SESSION = requests.Session()
SESSION.headers.update({"Authorization": "Bearer " + TOKEN})  # expect: KV105@24 "access token pinned in a session's default"
SESSION.headers["Authorization"] = f"Bearer {ACCESS_TOKEN}"  # expect: KV105@36 "access token captured once at module level and"


class VaultReader:
    def __init__(self):
        self.credential = DefaultAzureCredential()
        self.token = self.credential.get_token("https://vault.azure.net/.default").token  # expect: KV105@22 "access token stored in self.token in __init__"

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}


# A token fetched once in __init__ through a helper, and reused for every request.
class HelperClient:
    def __init__(self):
        self.credential = DefaultAzureCredential()
        self.auth = self._get_auth()  # expect: KV105@21 "access token stored in self.auth in __init__"
        self.headers = self._headers()  # expect: KV105@24 "access token stored in self.headers in __init__"

    def _get_auth(self):
        return self.credential.get_token("https://vault.azure.net/.default").token

    def _headers(self):
        token = self.credential.get_token("https://vault.azure.net/.default")
        return {"Authorization": f"Bearer {token.token}"}

    def read(self, url):
        return requests.get(url, headers={"Authorization": "Bearer " + self.auth})


# ... or pinned in the session's headers by a helper that only __init__ calls.
class SessionClient:
    def __init__(self):
        self.credential = DefaultAzureCredential()
        self.session = requests.Session()
        self._login()

    def _login(self):
        token = self.credential.get_token("https://vault.azure.net/.default").token
        self.session.headers.update({"Authorization": f"Bearer {token}"})  # expect: KV105@37 "access token pinned in a session's default"


class Settings:
    bearer = f'Bearer {credential.get_token("https://vault.azure.net/.default").token}'  # expect: KV105@14 "access token captured once at class level and"


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


# The login helper runs again when a request gets 401: the token is refreshed.
class ReLogin:
    def __init__(self):
        self.credential = DefaultAzureCredential()
        self.session = requests.Session()
        self._login()

    def _login(self):
        token = self.credential.get_token("https://vault.azure.net/.default").token
        self.session.headers.update({"Authorization": f"Bearer {token}"})

    def read(self, url):
        response = self.session.get(url)
        if response.status_code == 401:
            self._login()
            response = self.session.get(url)
        return response


# The helper is also handed to a timer: it runs again.
class TimedLogin:
    def __init__(self, timer_factory):
        self.credential = DefaultAzureCredential()
        self.session = requests.Session()
        self._login()
        timer_factory(3000, self._login)

    def _login(self):
        token = self.credential.get_token("https://vault.azure.net/.default").token
        self.session.headers["Authorization"] = f"Bearer {token}"


# The helper returns a response fetched with a fresh token, not the token.
class FirstRead:
    def __init__(self):
        self.credential = DefaultAzureCredential()
        self.first = self._fetch("https://myvault.vault.azure.net/secrets/a?api-version=7.4")

    def _fetch(self, url):
        token = self.credential.get_token("https://vault.azure.net/.default").token
        return requests.get(url, headers={"Authorization": f"Bearer {token}"})  # expect: KV302@16 "raw HTTP request to Key Vault through requests" (a raw vault GET: its caller passes the URL)


# A look-alike get_token on an object that is not an Azure credential (a parameter).
class ConfigAuth:
    def __init__(self, config):
        self.auth = self._get_auth(config)

    def _get_auth(self, config):
        return config.get_token("service").token


# A response fetched once with a fresh token holds no token.
FIRST = requests.get(  # kvlint: ignore[KV302]
    "https://myvault.vault.azure.net/secrets/a?api-version=7.4",
    headers={"Authorization": f"Bearer {credential.get_token('https://vault.azure.net/.default').token}"},
    timeout=30,
)


# The token attribute is assigned again by a method that runs later: it is renewed.
class Renewing:
    def __init__(self):
        self.credential = DefaultAzureCredential()
        self.token = self.credential.get_token("https://vault.azure.net/.default").token

    def renew(self):
        self.token = self.credential.get_token("https://vault.azure.net/.default").token
