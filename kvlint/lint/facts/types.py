"""Type tags for receiver tracing: which library objects an expression may hold.

A tag is ``"<category>:<detail>"``. :meth:`Analysis.types_of` starts from constructors
(resolved through imports, see :func:`constructed`) and follows method results, attributes and
subscripts through the tables below. Rules ask by category (``kv-client``, ``credential``, ...),
never by a bare method name.
"""

from __future__ import annotations

# Key Vault data-plane clients (sync and .aio share a tag).
KV_CLIENT_CLASSES = {
    "SecretClient": "secrets",
    "KeyClient": "keys",
    "CertificateClient": "certificates",
    "CryptographyClient": "crypto",
    "KeyVaultAccessControlClient": "administration",
    "KeyVaultBackupClient": "administration",
    "KeyVaultSettingsClient": "administration",
}

# Results of Key Vault client reads.
KV_READ_PREFIXES = ("get_", "list_")

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
# Raw HTTP libraries: module-level request functions and session/client classes.
HTTP_FUNCTIONS = {
    "requests": (*HTTP_VERBS, "request"),
    "httpx": (*HTTP_VERBS, "request", "stream"),
    "urllib3": ("request",),
    "urllib.request": ("urlopen",),
}
HTTP_SESSION_CLASSES = {
    "requests.Session": "requests",
    "requests.sessions.Session": "requests",
    "requests.session": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp",
    "urllib3.PoolManager": "urllib3",
    "urllib3.poolmanager.PoolManager": "urllib3",
}
HTTP_SESSION_METHODS = (*HTTP_VERBS, "request", "urlopen", "stream")

MSAL_APPS = {
    "msal.ConfidentialClientApplication",
    "msal.PublicClientApplication",
    "msal.ClientApplication",
}
ADAL_CONTEXT = {"adal.AuthenticationContext", "adal.authentication_context.AuthenticationContext"}


# Retired credential classes (track-1 SDKs); still credentials for receiver tracing.
LEGACY_CREDENTIALS = {
    "azure.common.credentials.ServicePrincipalCredentials",
    "azure.common.credentials.UserPassCredentials",
    "msrestazure.azure_active_directory.ServicePrincipalCredentials",
    "msrestazure.azure_active_directory.UserPassCredentials",
    "msrestazure.azure_active_directory.MSIAuthentication",
    "msrestazure.azure_active_directory.AdalAuthentication",
}


def _strip_aio(qualname: str) -> str:
    return qualname.replace(".aio.", ".")


def constructed(qualname: str) -> str | None:
    """The tag of the object a call to ``qualname`` constructs, if kvlint knows it."""
    qual = _strip_aio(qualname)
    last = qual.rsplit(".", 1)[-1]
    if qual.startswith("azure.keyvault.") and last in KV_CLIENT_CLASSES:
        return f"kv-client:{last}"
    if qual == "azure.keyvault.KeyVaultClient":
        return TRACK1_CLIENT
    if qual.startswith("azure.identity.") and last.endswith("Credential"):
        return f"credential:{last}"
    if qual in LEGACY_CREDENTIALS:
        return f"credential:{last}"
    if qual in HTTP_SESSION_CLASSES:
        return f"http-session:{HTTP_SESSION_CLASSES[qual]}"
    if qual in MSAL_APPS:
        return f"msal-app:{last}"
    if qual in ADAL_CONTEXT:
        return "adal-context:AuthenticationContext"
    return constructed_other(qual)


# Client methods whose result holds the secret's value: the read, and the write that returns
# the secret it stored.
SECRET_RETURNING = ("get_secret", "set_secret")
TRACK1_CLIENT = "kv-client:KeyVaultClient"
TRACK1_SECRET = "secret:SecretBundle"


def method_result(receiver: str, method: str) -> str | None:
    """The tag of ``receiver.method(...)``'s result."""
    cat = category(receiver)
    if cat == "credential" and method in ("get_token", "get_token_info"):
        return "access-token:azure-identity"
    if cat == "kv-client":
        if method in SECRET_RETURNING:
            # track-1 returns an msrest SecretBundle, whose str() shows every field (the value
            # too); the current SDK's KeyVaultSecret shows only its id.
            return TRACK1_SECRET if receiver == TRACK1_CLIENT else "secret:KeyVaultSecret"
        if method.startswith("list_"):
            return f"kv-list:{method}"
        if method.startswith("get_"):
            return f"kv-item:{method}"
    if cat == "msal-app" and method.startswith("acquire_token"):
        return "token-result:msal"
    if cat == "adal-context" and method.startswith("acquire_token"):
        return "token-result:adal"
    if cat == "http-session" and method in ("mount",):
        return None
    return None


def attribute_result(receiver: str, attribute: str) -> str | None:
    cat = category(receiver)
    if cat == "access-token" and attribute == "token":
        return "token-string:access-token"
    if cat == "secret" and attribute == "value":
        return "secret-value:value"
    if cat == "web-app" and attribute == "logger":
        return "logger:app"
    return None


TOKEN_RESULT_KEYS = ("access_token", "accessToken")


def subscript_result(receiver: str, key: str | None) -> str | None:
    if category(receiver) == "token-result" and key in TOKEN_RESULT_KEYS:
        return "token-string:result"
    return None


def element_of(tag: str) -> str | None:
    """The tag of the items a ``for`` over a value of ``tag`` yields."""
    if category(tag) == "kv-list":
        return "kv-properties:" + tag.split(":", 1)[1]
    return None


def category(tag: str) -> str:
    return tag.split(":", 1)[0]


# Loggers and web applications (exposure rules: where a secret must not go).
LOGGER_FACTORIES = {
    "logging.getLogger": "logging",
    "logging.getLoggerClass": "logging",
    "structlog.get_logger": "structlog",
    "structlog.getLogger": "structlog",
}
WEB_APPS = {
    "flask.Flask": "flask",
    "flask.Blueprint": "flask",
    "quart.Quart": "quart",
    "quart.Blueprint": "quart",
    "fastapi.FastAPI": "fastapi",
    "fastapi.APIRouter": "fastapi",
    "fastapi.routing.APIRouter": "fastapi",
    "starlette.applications.Starlette": "starlette",
    "starlette.routing.Router": "starlette",
    "azure.functions.FunctionApp": "azure-functions",
    "azure.functions.Blueprint": "azure-functions",
}


def constructed_other(qualname: str) -> str | None:
    """Tags for loggers and web applications (see :func:`constructed`)."""
    if qualname in LOGGER_FACTORIES:
        return f"logger:{LOGGER_FACTORIES[qualname]}"
    if qualname in WEB_APPS:
        return f"web-app:{WEB_APPS[qualname]}"
    return None
