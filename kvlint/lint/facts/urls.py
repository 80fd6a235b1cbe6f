"""What a URL or token audience string is: a Key Vault audience (and how it is written), a
per-vault data-plane host, a token endpoint, another Azure audience."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kvlint import keyvault
from kvlint.lint.semantic.values import UNKNOWN, parse_url

if TYPE_CHECKING:
    from kvlint.lint.semantic.model import Analysis

AUDIENCE_HOSTS = {aud.split("://", 1)[1]: cloud for aud, cloud in keyvault.AUDIENCES.items()}


OTHER_AUDIENCES = {
    "management.azure.com": "Azure Resource Manager",
    "management.core.windows.net": "Azure Resource Manager (classic)",
    "management.chinacloudapi.cn": "Azure Resource Manager (China)",
    "management.usgovcloudapi.net": "Azure Resource Manager (US Gov)",
    "graph.microsoft.com": "Microsoft Graph",
    "graph.windows.net": "Azure AD Graph",
    "storage.azure.com": "Azure Storage",
    "database.windows.net": "Azure SQL",
    "ossrdbms-aad.database.windows.net": "Azure Database for PostgreSQL/MySQL",
    "servicebus.azure.net": "Azure Service Bus",
    "eventhubs.azure.net": "Azure Event Hubs",
    "cognitiveservices.azure.com": "Azure AI services",
    "api.loganalytics.io": "Log Analytics",
    "monitor.azure.com": "Azure Monitor",
    "app.configuration.azure.com": "Azure App Configuration",
    "analysis.windows.net": "Power BI",
    "api.fabric.microsoft.com": "Microsoft Fabric",
    "onelake.fabric.microsoft.com": "OneLake",
    "cosmos.azure.com": "Azure Cosmos DB",
    "ml.azure.com": "Azure Machine Learning",
    "purview.azure.net": "Microsoft Purview",
    "dev.azuresynapse.net": "Azure Synapse",
    "datalake.azure.net": "Azure Data Lake Storage Gen1",
    "batch.core.windows.net": "Azure Batch",
    "api.applicationinsights.io": "Application Insights",
    "dicom.healthcareapis.azure.com": "Azure Health Data Services (DICOM)",
}
# Per-account / per-cluster hosts that are their own token audience.
OTHER_AUDIENCE_SUFFIXES = {
    ".blob.core.windows.net": "Azure Storage",
    ".dfs.core.windows.net": "Azure Storage",
    ".queue.core.windows.net": "Azure Storage",
    ".table.core.windows.net": "Azure Storage",
    ".kusto.windows.net": "Azure Data Explorer",
    ".kusto.fabric.microsoft.com": "Azure Data Explorer",
    ".documents.azure.com": "Azure Cosmos DB",
}
# Application ids used as a v1 resource (``<app id>/.default`` as a scope).
OTHER_APP_IDS = {"2ff814a6-3304-4ab8-85cb-cd0e6f879c1d": "Azure Databricks"}
KEY_VAULT = "Key Vault"
# Synapse / Fabric ``getToken(<name>)``'s documented audience names (compared lower-case).
PLATFORM_TOKEN_AUDIENCES = {
    "storage": "Azure Storage",
    "azuremanagement": "Azure Resource Manager",
    "dw": "Azure Synapse SQL",
    "synapse": "Azure Synapse",
    "datalakestore": "Azure Data Lake Storage Gen1",
    "azureossdb": "Azure Database for PostgreSQL/MySQL",
    "azuredataexplorer": "Azure Data Explorer",
    "kusto": "Azure Data Explorer",
    "pbi": "Power BI",
    "keyvault": KEY_VAULT,
}


IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token"


MANAGED_IDENTITY_ENV = ("IDENTITY_ENDPOINT", "MSI_ENDPOINT")


_DOUBLE_SLASH_DEFAULT = re.compile(r"^/{2,}\.default$", re.IGNORECASE)


@dataclass(frozen=True)
class Audience:
    """A folded value read as a token resource / scope."""

    kind: str  # see classify_audience
    cloud: str | None = None
    base: str = ""  # scheme://host as written
    v2: bool = False  # ends in /.default


def vault_audience(cloud: str | None) -> str:
    """The Key Vault audience (v1 resource) of a cloud; the public cloud's when unknown."""
    return keyvault.CLOUDS_BY_NAME.get(cloud or "public", keyvault.CLOUDS[0]).vault_audience


def classify_audience(text: str, extra_hosts: tuple[str, ...] = ()) -> Audience | None:
    """Classify a resource / scope value.

    Kinds: ``ok`` (an exact Key Vault / HSM audience, v1 or v2), ``trailing-slash``,
    ``double-slash``, ``http``, ``per-vault`` (a data-plane host), ``private-link``,
    ``misspelt``, ``other`` (another known Azure audience), ``unknown``.
    """
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered.startswith(keyvault.KEY_VAULT_APP_ID):
        return Audience("ok", "public", keyvault.KEY_VAULT_APP_ID, lowered.endswith("/.default"))
    app = next((a for a in OTHER_APP_IDS if lowered.startswith(a)), None)
    if app is not None:
        return Audience("other", None, app, lowered.endswith("/.default"))
    url = parse_url(stripped)
    if url is None or not url.host or UNKNOWN in url.scheme:
        return None
    base = f"{url.scheme}://{url.host}"
    path = url.path
    v2 = path.lower().endswith("/.default")
    cloud = AUDIENCE_HOSTS.get(url.host)
    if cloud is not None:
        if url.scheme == "http":
            return Audience("http", cloud, base, v2)
        if path == "" or path.lower() == "/.default":
            return Audience("ok", cloud, base, v2)
        if path.strip("/") == "":
            return Audience("trailing-slash", cloud, base, False)
        if _DOUBLE_SLASH_DEFAULT.match(path):
            return Audience("double-slash", cloud, base, True)
        return Audience("unknown", cloud, base, v2)
    host_cloud = keyvault.host_cloud(url.host.replace(UNKNOWN, "x"), extra_hosts)
    if host_cloud == "private-link":
        return Audience("private-link", None, base, v2)
    if host_cloud is not None:
        return Audience("per-vault", host_cloud, base, v2)
    if UNKNOWN in url.host:
        return None
    if other_service(url.host) is not None:
        return Audience("other", None, base, v2)
    if "vault" in url.host or "hsm" in url.host:
        for known in AUDIENCE_HOSTS:
            if difflib.SequenceMatcher(None, url.host, known).ratio() >= 0.85:
                return Audience("misspelt", AUDIENCE_HOSTS[known], base, v2)
    return None


def other_service(host: str) -> str | None:
    """The service a non-Key-Vault audience's host (or application id) names, if known."""
    host = host.lower()
    if host in OTHER_AUDIENCES or host in OTHER_APP_IDS:
        return OTHER_AUDIENCES.get(host) or OTHER_APP_IDS[host]
    return next((s for end, s in OTHER_AUDIENCE_SUFFIXES.items() if host.endswith(end)), None)


def audience_service(audience: Audience) -> str | None:
    """The service a token for ``audience`` is accepted by: ``Key Vault`` for every Key Vault
    audience however written (a wrong one is KV101/KV102's business), the service's name for
    another known audience, None when unknown."""
    if audience.kind == "other":
        return other_service(audience.base.split("://", 1)[-1])
    return KEY_VAULT if audience.cloud is not None or audience.kind != "unknown" else None


def is_keyvault_url(analysis: Analysis, text: str) -> str | None:
    """The cloud of a Key Vault data-plane URL (``custom`` for configured hosts), else None."""
    url = parse_url(text)
    if url is None or not url.host or url.host.strip(UNKNOWN + ".") == "":
        return "custom" if keyvault_rest_path(text) else None
    if url.host.startswith(UNKNOWN) and "." not in url.host:
        return "custom" if keyvault_rest_path(text) else None
    return keyvault.host_cloud(url.host.replace(UNKNOWN, "x"), analysis.extra_vault_hosts)


# ``{BASE}/secrets/{name}?api-version=7.4``: a Key Vault data-plane REST path (its collections)
# with a Key Vault data-plane API version (7.x; Resource Manager's are dates): decided from the
# path's shape when the host is a placeholder (an empty constant, a value known only at run time)
_KV_REST = re.compile(
    r"^\x00?/(?:secrets|keys|certificates|deletedsecrets|deletedkeys|deletedcertificates)"
    r"(?:/[^?#]*)?\?(?:[^#]*&)?api-version=7\.\d",
    re.IGNORECASE,
)


def keyvault_rest_path(text: str) -> bool:
    """A URL with no known host whose path and API version are Key Vault's data plane."""
    return bool(_KV_REST.match(text))


def token_endpoint(text: str) -> str | None:
    """``imds``, ``v1`` or ``v2`` for a token endpoint URL, else None."""
    url = parse_url(text)
    if url is None:
        return None
    path = url.path.lower()
    if url.host == "169.254.169.254" and path.startswith(IMDS_TOKEN_PATH):
        return "imds"
    if "/oauth2/v2.0/token" in path:
        return "v2"
    if path.endswith("/oauth2/token"):
        return "v1"
    return None
