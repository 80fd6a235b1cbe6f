"""The normalized vault view every audit source produces, and the audit's result types.

ARM responses, Resource Graph rows and exported JSON all carry the same ``properties`` shape
(camelCase, as the REST API spells it). :func:`normalize` turns one of them into a
:class:`Vault` with the service's documented defaults made explicit, so checks never guess:

- no ``networkAcls``            ⇒ default action ``Allow``, bypass ``AzureServices``, no rules
- no ``bypass``                 ⇒ ``AzureServices``
- no ``publicNetworkAccess``    ⇒ ``Enabled``
- ``enableRbacAuthorization`` null/absent ⇒ false (access-policy mode)
- no ``softDeleteRetentionInDays`` ⇒ 90

Identifiers (tenants, object ids, resource ids) are compared case-insensitively and permission
names are lower-cased here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kvlint.findings import Finding

__all__ = ["Finding"]  # the one Finding of every face (kvlint/findings.py)

VAULT_TYPE = "microsoft.keyvault/vaults"
HSM_TYPE = "microsoft.keyvault/managedhsms"
DEFAULT_RETENTION_DAYS = 90


class MalformedVault(ValueError):
    """A vault document that does not have the ARM shape; the message says what is wrong."""


@dataclass(frozen=True)
class AccessPolicy:
    tenant_id: str  # lower case
    object_id: str  # lower case
    application_id: str | None  # lower case; set = compound identity
    permissions: dict[str, frozenset[str]]  # "secrets" -> {"get", "list"}, all lower case

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.tenant_id, self.object_id, self.application_id)

    def granted(self) -> set[str]:
        """Every permission as ``kind/name`` (``secrets/get``)."""
        return {f"{kind}/{name}" for kind, names in self.permissions.items() for name in names}

    def grants(self, kind: str, name: str) -> bool:
        names = self.permissions.get(kind.lower(), frozenset())
        return name.lower() in names or "all" in names


@dataclass(frozen=True)
class VnetRule:
    id: str
    ignore_missing_service_endpoint: bool


@dataclass(frozen=True)
class PrivateEndpoint:
    id: str
    status: (
        str | None
    )  # Approved, Pending, Rejected, Disconnected (as ARM spells it); None = absent

    @property
    def approved(self) -> bool:
        return (self.status or "").lower() == "approved"


@dataclass(frozen=True)
class Vault:
    id: str
    name: str
    subscription: str
    resource_group: str
    location: str
    tenant_id: str  # lower case
    rbac: bool
    access_policies: tuple[AccessPolicy, ...]
    public_network_access: str  # "Enabled" / "Disabled" (as ARM spells it)
    has_network_acls: bool
    default_action: str  # "Allow" / "Deny"
    bypass: str  # "AzureServices" / "None"
    ip_rules: tuple[str, ...]  # raw values, validated by the checks
    vnet_rules: tuple[VnetRule, ...]
    private_endpoints: tuple[PrivateEndpoint, ...]
    enabled_for_deployment: bool
    enabled_for_disk_encryption: bool
    enabled_for_template_deployment: bool
    soft_delete: bool | None  # None = absent
    purge_protection: bool | None
    retention_days: int
    subscription_tenant: str | None = None  # when the source knows it (Resource Graph, --tenant)
    diagnostics: tuple[dict, ...] | None = None  # None = not fetched
    uri: str = ""  # properties.vaultUri, the data-plane URL ("" when absent)
    private_endpoints_known: bool = True  # False: the source does not carry them (PowerShell)
    kind: str = "vault"  # "vault" or "hsm" (a Managed HSM: local RBAC, always soft-delete)
    # properties infrastructure code leaves unresolved (ARM expressions, Terraform's
    # "known after apply"): the checks that need one stay silent
    unknown: frozenset[str] = frozenset()
    file: str | None = None  # where it is declared (infrastructure code), for findings
    line: int | None = None

    @property
    def hsm(self) -> bool:
        return self.kind == "hsm"

    @property
    def public_enabled(self) -> bool:
        return self.public_network_access.lower() != "disabled"

    @property
    def open_to_all(self) -> bool:
        return self.public_enabled and not self.perimeter and self.default_action.lower() == "allow"

    @property
    def bypass_azure_services(self) -> bool:
        return self.bypass.lower() == "azureservices"

    @property
    def approved_private_endpoints(self) -> tuple[PrivateEndpoint, ...]:
        return tuple(pe for pe in self.private_endpoints if pe.approved)

    @property
    def unknown_private_endpoints(self) -> tuple[PrivateEndpoint, ...]:
        """Connections whose status the source did not carry: neither approved nor not."""
        if not self.private_endpoints_known:
            return (PrivateEndpoint("(not in the export)", None),)
        return tuple(pe for pe in self.private_endpoints if pe.status is None)

    @property
    def perimeter(self) -> bool:
        """``SecuredByPerimeter``: a network security perimeter's rules replace the firewall."""
        return self.public_network_access.lower() == "securedbyperimeter"


@dataclass(frozen=True)
class ReadError:
    """A subscription, vault or query that could not be read; the run goes on without it."""

    scope: str
    message: str
    status: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "status": self.status, "message": self.message}


@dataclass
class Reachability:
    """What was asked (--principal/--ip) and where the caller got in."""

    question: str
    allowed: list[str] = field(default_factory=list)
    # allowed vaults whose verdict rests on what was read: vault name -> what was not
    unverified: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "allowed": sorted(self.allowed, key=str.lower),
            "caveats": dict(sorted(self.unverified.items())),
        }


@dataclass(frozen=True)
class VaultOutcome:
    """The pass / fail count of one vault (or managed HSM): the configuration checks and, when a
    caller was asked about, its verdict (allowed: one more passed; refused or undecided: its
    findings are failed codes), so a vault with a finding never shows ``failed: 0``."""

    name: str
    id: str
    kind: str  # "vault" or "managedHSM"
    passed: int
    failed: tuple[str, ...]  # the codes it failed
    waived: tuple[str, ...] = ()  # failed, but waived in [tool.kvlint.audit]
    unknown: tuple[str, ...] = ()  # properties infrastructure code leaves unresolved
    # the caller's verdict (--principal/--token and --ip): "allowed", "refused", "undecided";
    # None when no caller was asked about. Its findings count as failed like any check's.
    verdict: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": self.id,
            "kind": self.kind,
            "passed": self.passed,
            "failed": len(self.failed),
            "failed_codes": list(self.failed),
            "waived_codes": list(self.waived),
            "unresolved": list(self.unknown),
            "verdict": self.verdict,
        }


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    vaults_audited: int = 0
    waived: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, reason)
    subscriptions: set[str] = field(default_factory=set)
    reachability: Reachability | None = None  # when a caller was given
    outcomes: list[VaultOutcome] = field(default_factory=list)  # one per vault, in read order
    hidden: int = 0  # findings below --severity, left out of this report


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 IP rule", "3 IP rules": a count with its noun, never "rule(s)"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


# -- normalization ---------------------------------------------------------------------------


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedVault(f"{what} must be a string, not {type(value).__name__}")
    return value


def _flag(props: dict, key: str) -> bool | None:
    value = props.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise MalformedVault(f"properties.{key} must be true or false, not {value!r}")


def _list(container: dict, key: str, where: str) -> list:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedVault(f"{where}{key} must be a list")
    return value


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise MalformedVault(f"{where} must be an object")
    return value


def _policy(raw: Any, index: int) -> AccessPolicy:
    where = f"properties.accessPolicies[{index}]"
    raw = _mapping(raw, where)
    perms_raw = _mapping(raw.get("permissions") or {}, f"{where}.permissions")
    permissions: dict[str, frozenset[str]] = {}
    for kind, names in perms_raw.items():
        if names is None:
            continue
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise MalformedVault(f"{where}.permissions.{kind} must be a list of names")
        permissions[kind.lower()] = frozenset(name.lower() for name in names)
    app = _text(raw.get("applicationId"), f"{where}.applicationId").lower() or None
    return AccessPolicy(
        tenant_id=_text(raw.get("tenantId"), f"{where}.tenantId").lower(),
        object_id=_text(raw.get("objectId"), f"{where}.objectId").lower(),
        application_id=app,
        permissions=permissions,
    )


def _private_endpoint(raw: Any, index: int) -> PrivateEndpoint:
    """ARM nests the connection under ``properties``; ``az keyvault show`` writes it one level
    up. A status that neither carries stays None (unknown), never a guessed "Pending"."""
    where = f"properties.privateEndpointConnections[{index}]"
    raw = _mapping(raw, where)
    props = _mapping(raw.get("properties") or {}, f"{where}.properties")
    fields = {**raw, **props}
    state = _mapping(fields.get("privateLinkServiceConnectionState") or {}, where)
    endpoint = _mapping(fields.get("privateEndpoint") or {}, where)
    return PrivateEndpoint(
        id=_text(endpoint.get("id") or raw.get("id"), f"{where}.id"),
        status=_text(state.get("status"), f"{where} status") or None,
    )


def id_parts(resource_id: str) -> tuple[str, str]:
    """(subscription, resource group) of an ARM resource id, empty strings when absent."""
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    sub = parts[lowered.index("subscriptions") + 1] if "subscriptions" in lowered[:-1] else ""
    rg = parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered[:-1] else ""
    return sub, rg


def is_vault_document(doc: Any) -> bool:
    """A Key Vault or a Managed HSM (both are audited)."""
    return isinstance(doc, dict) and str(doc.get("type", "")).lower() in (VAULT_TYPE, HSM_TYPE)


def normalize(
    doc: Any, *, subscription_tenant: str | None = None, endpoints_known: bool = True
) -> Vault:
    """One ARM vault or Managed HSM object or Resource Graph row → :class:`Vault` (raises
    MalformedVault). A Managed HSM has no access policies (its data plane is local RBAC) and
    soft delete cannot be turned off."""
    doc = _mapping(doc, "a vault")
    kind = _text(doc.get("type"), "type")
    if kind and kind.lower() not in (VAULT_TYPE, HSM_TYPE):
        raise MalformedVault(f"type is {kind!r}, not Microsoft.KeyVault/vaults")
    hsm = kind.lower() == HSM_TYPE
    resource_id = _text(doc.get("id"), "id")
    name = _text(doc.get("name"), "name")
    if not resource_id or not name:
        raise MalformedVault("id and name are required")
    if "properties" not in doc:
        raise MalformedVault("no properties (a `vaults list` result carries none; use a GET)")
    props = _mapping(doc["properties"], "properties")
    sub, rg = id_parts(resource_id)

    acls_raw = props.get("networkAcls")
    acls = _mapping(acls_raw, "properties.networkAcls") if acls_raw is not None else {}
    ip_rules = []
    for i, rule in enumerate(_list(acls, "ipRules", "properties.networkAcls.")):
        ip_rules.append(_text(_mapping(rule, f"ipRules[{i}]").get("value"), f"ipRules[{i}]"))
    vnet_rules = []
    for i, rule in enumerate(_list(acls, "virtualNetworkRules", "properties.networkAcls.")):
        rule = _mapping(rule, f"virtualNetworkRules[{i}]")
        vnet_rules.append(
            VnetRule(
                id=_text(rule.get("id"), f"virtualNetworkRules[{i}].id"),
                ignore_missing_service_endpoint=rule.get("ignoreMissingVnetServiceEndpoint")
                is True,
            )
        )
    retention = props.get("softDeleteRetentionInDays")
    if retention is None:
        retention = DEFAULT_RETENTION_DAYS
    elif isinstance(retention, bool) or not isinstance(retention, int):
        raise MalformedVault("properties.softDeleteRetentionInDays must be a number of days")
    row_tenant = doc.get("tenantId") if isinstance(doc.get("tenantId"), str) else None
    return Vault(
        id=resource_id,
        name=name,
        subscription=_text(doc.get("subscriptionId"), "subscriptionId") or sub,
        resource_group=_text(doc.get("resourceGroup"), "resourceGroup") or rg,
        location=_text(doc.get("location"), "location"),
        tenant_id=_text(props.get("tenantId"), "properties.tenantId").lower(),
        rbac=hsm or _flag(props, "enableRbacAuthorization") is True,
        access_policies=()
        if hsm
        else tuple(
            _policy(raw, i) for i, raw in enumerate(_list(props, "accessPolicies", "properties."))
        ),
        public_network_access=_text(props.get("publicNetworkAccess"), "publicNetworkAccess")
        or "Enabled",
        has_network_acls=acls_raw is not None,
        default_action=_text(acls.get("defaultAction"), "networkAcls.defaultAction") or "Allow",
        bypass=_text(acls.get("bypass"), "networkAcls.bypass") or "AzureServices",
        ip_rules=tuple(ip_rules),
        vnet_rules=tuple(vnet_rules),
        private_endpoints=tuple(
            _private_endpoint(raw, i)
            for i, raw in enumerate(_list(props, "privateEndpointConnections", "properties."))
        ),
        enabled_for_deployment=_flag(props, "enabledForDeployment") is True,
        enabled_for_disk_encryption=_flag(props, "enabledForDiskEncryption") is True,
        enabled_for_template_deployment=_flag(props, "enabledForTemplateDeployment") is True,
        soft_delete=_flag(props, "enableSoftDelete") is not False
        if hsm
        else _flag(props, "enableSoftDelete"),
        purge_protection=_flag(props, "enablePurgeProtection"),
        retention_days=retention,
        subscription_tenant=(row_tenant or subscription_tenant or "").lower() or None,
        uri=_text(props.get("hsmUri" if hsm else "vaultUri"), "properties.vaultUri"),
        private_endpoints_known=endpoints_known,
        kind="hsm" if hsm else "vault",
    )


def read_vault(
    doc: Any, errors: list[ReadError], tenant: str | None, *, endpoints_known: bool = True
) -> Vault | None:
    """:func:`normalize`, a malformed document becoming a :class:`ReadError` (None)."""
    try:
        return normalize(doc, subscription_tenant=tenant, endpoints_known=endpoints_known)
    except MalformedVault as exc:
        scope = doc.get("id") or doc.get("name") if isinstance(doc, dict) else None
        errors.append(ReadError(str(scope or "(vault without id)"), f"malformed vault: {exc}"))
        return None
