"""Facts about Azure Key Vault that every face of kvlint relies on (no I/O, no SDK imports).

Audiences, data-plane host suffixes and clouds, as documented by Microsoft. Lint rules, the
token doctor and the auditor all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

KEY_VAULT_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"


@dataclass(frozen=True)
class Cloud:
    name: str
    vault_audience: str  # v1 resource; the v2 scope is this plus "/.default"
    vault_suffix: str  # data-plane host suffix, with the leading dot
    hsm_audience: str | None
    hsm_suffix: str | None
    arm_endpoint: str
    authority_host: str


CLOUDS: tuple[Cloud, ...] = (
    Cloud(
        "public",
        "https://vault.azure.net",
        ".vault.azure.net",
        "https://managedhsm.azure.net",
        ".managedhsm.azure.net",
        "https://management.azure.com",
        "login.microsoftonline.com",
    ),
    Cloud(
        "china",
        "https://vault.azure.cn",
        ".vault.azure.cn",
        "https://managedhsm.azure.cn",
        ".managedhsm.azure.cn",
        "https://management.chinacloudapi.cn",
        "login.chinacloudapi.cn",
    ),
    Cloud(
        "usgov",
        "https://vault.usgovcloudapi.net",
        ".vault.usgovcloudapi.net",
        "https://managedhsm.usgovcloudapi.net",
        ".managedhsm.usgovcloudapi.net",
        "https://management.usgovcloudapi.net",
        "login.microsoftonline.us",
    ),
    Cloud(
        "germany",
        "https://vault.microsoftazure.de",
        ".vault.microsoftazure.de",
        None,
        None,
        "https://management.microsoftazure.de",
        "login.microsoftonline.de",
    ),
)
CLOUDS_BY_NAME = {cloud.name: cloud for cloud in CLOUDS}

# Audience (no trailing slash, lower case) -> cloud name.
AUDIENCES: dict[str, str] = {}
for _cloud in CLOUDS:
    AUDIENCES[_cloud.vault_audience] = _cloud.name
    if _cloud.hsm_audience:
        AUDIENCES[_cloud.hsm_audience] = _cloud.name

# Data-plane host suffix -> cloud name (privatelink hosts are reachable but are not audiences).
HOST_SUFFIXES: dict[str, str] = {}
for _cloud in CLOUDS:
    HOST_SUFFIXES[_cloud.vault_suffix] = _cloud.name
    if _cloud.hsm_suffix:
        HOST_SUFFIXES[_cloud.hsm_suffix] = _cloud.name
PRIVATE_LINK_MARKER = ".privatelink.vaultcore."


def normalise_audience(value: str) -> str:
    return value.strip().lower()


def audience_cloud(value: str) -> str | None:
    """The cloud whose Key Vault / Managed HSM audience ``value`` is exactly (no slash, no scope)."""
    return AUDIENCES.get(normalise_audience(value))


def is_audience(value: str) -> bool:
    """True for an exact Key Vault audience or the Key Vault application id."""
    norm = normalise_audience(value)
    return norm in AUDIENCES or norm == KEY_VAULT_APP_ID


def audience_for_host(host: str) -> tuple[Cloud, str] | None:
    """The cloud and the audience a token must carry for a vault or Managed HSM host.

    ``myvault.vault.azure.cn`` needs ``https://vault.azure.cn``; private-link hosts
    (``myvault.privatelink.vaultcore.azure.net``) need their cloud's vault audience; ``None``
    when the host is not a Key Vault data-plane host.
    """
    host = host.lower().rstrip(".")
    for cloud in CLOUDS:
        private_link = ".privatelink.vaultcore" + cloud.vault_suffix.removeprefix(".vault")
        if host.endswith((cloud.vault_suffix, private_link)):
            return cloud, cloud.vault_audience
        if cloud.hsm_suffix and cloud.hsm_audience and host.endswith(cloud.hsm_suffix):
            return cloud, cloud.hsm_audience
    return None


def host_cloud(host: str, extra_suffixes: tuple[str, ...] = ()) -> str | None:
    """The cloud of a Key Vault data-plane host, ``"custom"`` for configured extra hosts."""
    host = host.lower().rstrip(".")
    for suffix, cloud in HOST_SUFFIXES.items():
        if host.endswith(suffix):
            return cloud
    if PRIVATE_LINK_MARKER in host or host.startswith("privatelink.vaultcore."):
        return "private-link"
    for suffix in extra_suffixes:
        suffix = suffix.lower()
        if host == suffix.lstrip(".") or host.endswith("." + suffix.lstrip(".")):
            return "custom"
    return None
