"""The KVA1xx-KVA4xx checks: one small function per code, reporting about one vault.

Each check is registered with its code; its severity and name come from the catalogue
(``rules/KVA*.yaml``), never from here. A check yields one message per problem it sees (a vault
with two foreign-tenant policies gets two KVA101 findings, each naming its entry).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Network

from kvlint.audit.model import AccessPolicy, Vault, counted
from kvlint.audit.network import non_public_kind, parse_rule
from kvlint.findings import Finding, Location, Resource

ACCESS_POLICY_LIMIT = 1024
ACCESS_POLICY_WARN = 900
AUDIT_CATEGORIES = {"auditevent"}
AUDIT_GROUPS = {"audit", "alllogs"}


@dataclass(frozen=True)
class Thresholds:
    max_principals: int = 25
    min_retention_days: int = 90


CheckFn = Callable[[Vault, Thresholds], Iterator[str]]
CHECKS: dict[str, CheckFn] = {}  # Key Vault checks (KVA1xx-KVA4xx)
HSM_CHECKS: dict[str, CheckFn] = {}  # Managed HSM checks (KVA6xx)
NEEDS: dict[str, frozenset[str]] = {}  # the properties each check reads (REST names)
NETWORK = ("publicNetworkAccess", "networkAcls")


def check(code: str, *needs: str, hsm: bool = False) -> Callable[[CheckFn], CheckFn]:
    """Register a check; ``needs`` are the properties it reads: when infrastructure code leaves
    one unresolved (``Vault.unknown``), the check stays silent rather than guess."""

    def register(fn: CheckFn) -> CheckFn:
        (HSM_CHECKS if hsm else CHECKS)[code] = fn
        NEEDS[code] = frozenset(needs)
        return fn

    return register


def finding(vault: Vault, code: str, message: str) -> Finding:
    """A finding about ``vault``; its severity is the catalogue's."""
    return Finding.of(
        code,
        message,
        resource=Resource(
            vault.name, vault.id, vault.subscription, "managedHSM" if vault.hsm else "vault"
        ),
        location=Location.point(vault.file, vault.line or 1) if vault.file else None,
    )


def applicable(vault: Vault) -> dict[str, CheckFn]:
    """The checks that can judge this vault (each property they need is known)."""
    unknown = vault.unknown | ({"diagnosticSettings"} if vault.diagnostics is None else set())
    return {
        code: fn
        for code, fn in (HSM_CHECKS if vault.hsm else CHECKS).items()
        if not NEEDS[code] & unknown
    }


def run(vault: Vault, thresholds: Thresholds) -> list[Finding]:
    return [
        finding(vault, code, message)
        for code, fn in applicable(vault).items()
        for message in fn(vault, thresholds)
    ]


def _who(policy: AccessPolicy) -> str:
    who = f"object {policy.object_id or '(none)'}"
    return f"{who} with application {policy.application_id}" if policy.application_id else who


# -- identity and tenant ---------------------------------------------------------------------


@check("KVA101", "accessPolicies", "tenantId")
def foreign_tenant_policy(vault: Vault, _: Thresholds) -> Iterator[str]:
    for policy in vault.access_policies:
        if policy.tenant_id != vault.tenant_id:
            yield (
                f"access policy for {_who(policy)} names tenant {policy.tenant_id or '(none)'}, "
                f"but the vault trusts tenant {vault.tenant_id}: tokens from that tenant are "
                "rejected, so the entry grants nothing"
            )


@check("KVA102", "tenantId")
def vault_tenant_mismatch(vault: Vault, _: Thresholds) -> Iterator[str]:
    if vault.subscription_tenant and vault.subscription_tenant != vault.tenant_id:
        yield (
            f"the vault's tenant {vault.tenant_id} is not its subscription's tenant "
            f"{vault.subscription_tenant} (subscription moved to another directory?): callers "
            "signed in to the subscription's tenant get 401 from the vault"
        )


# -- access policies -------------------------------------------------------------------------


@check("KVA201", "accessPolicies", "enableRbacAuthorization")
def no_data_plane_access(vault: Vault, _: Thresholds) -> Iterator[str]:
    if not vault.rbac and not vault.access_policies:
        yield (
            "access-policy mode (enableRbacAuthorization is not true) with no access policies: "
            "every data-plane request is answered 403"
        )


@check("KVA202", "accessPolicies", "enableRbacAuthorization")
def rbac_with_stale_policies(vault: Vault, _: Thresholds) -> Iterator[str]:
    if vault.rbac and vault.access_policies:
        yield (
            f"RBAC mode, yet {len(vault.access_policies)} access "
            f"polic{'y is' if len(vault.access_policies) == 1 else 'ies are'} still stored: "
            "ignored now, live again if enableRbacAuthorization is switched off"
        )


@check("KVA203", "accessPolicies")
def compound_identity(vault: Vault, _: Thresholds) -> Iterator[str]:
    for policy in vault.access_policies:
        if policy.application_id:
            yield (
                f"access policy for object {policy.object_id} is a compound identity "
                f"(applicationId {policy.application_id}): it applies only when that "
                "application acts on behalf of the principal; the principal alone gets 403"
            )


@check("KVA204", "accessPolicies")
def overbroad_policy(vault: Vault, _: Thresholds) -> Iterator[str]:
    for policy in vault.access_policies:
        broad = sorted(
            f"{kind}/{name}"
            for kind, names in policy.permissions.items()
            for name in names
            if name in ("all", "purge")
        )
        if broad:
            yield f"access policy for {_who(policy)} grants {', '.join(broad)}"


@check("KVA205", "accessPolicies")
def empty_policy(vault: Vault, _: Thresholds) -> Iterator[str]:
    for policy in vault.access_policies:
        if not any(policy.permissions.values()):
            yield f"access policy for {_who(policy)} grants no permission at all"


@check("KVA206", "accessPolicies")
def duplicate_policy(vault: Vault, _: Thresholds) -> Iterator[str]:
    counts = Counter(policy.key for policy in vault.access_policies)
    for (tenant, obj, app), count in counts.items():
        if count > 1:
            who = f"object {obj}" + (f" with application {app}" if app else "")
            yield f"{count} access policy entries for {who} in tenant {tenant}"


@check("KVA207", "accessPolicies")
def policy_limit(vault: Vault, _: Thresholds) -> Iterator[str]:
    count = len(vault.access_policies)
    if count > ACCESS_POLICY_WARN:
        yield (
            f"{count} access policies, close to the limit of {ACCESS_POLICY_LIMIT}: "
            "use groups or switch the vault to Azure RBAC"
        )


# -- network ---------------------------------------------------------------------------------


@check("KVA211", *NETWORK)
def firewall_open(vault: Vault, _: Thresholds) -> Iterator[str]:
    if vault.open_to_all:
        why = "no networkAcls" if not vault.has_network_acls else "networkAcls.defaultAction Allow"
        yield f"public network access enabled and {why}: any address on the internet can call it"


@check("KVA212", *NETWORK, "privateEndpointConnections")
def vault_unreachable(vault: Vault, _: Thresholds) -> Iterator[str]:
    if vault.approved_private_endpoints or vault.unknown_private_endpoints or vault.perimeter:
        return  # an endpoint whose status is unknown may be Approved: say nothing
    trusted = (
        "; trusted Microsoft services still pass (networkAcls.bypass is AzureServices)"
        if vault.bypass_azure_services
        else "; bypass is None, so not even trusted Microsoft services pass"
    )
    if not vault.public_enabled:
        yield (
            "publicNetworkAccess Disabled and no Approved private endpoint: every other caller "
            'gets 403 ("Public network access is disabled and request is not from a trusted '
            f'service nor via an approved private link"){trusted}'
        )
    elif vault.default_action.lower() == "deny" and not vault.ip_rules and not vault.vnet_rules:
        yield (
            "defaultAction Deny with no IP rule, no virtual-network rule and no Approved "
            f"private endpoint: ordinary callers get 403 ForbiddenByFirewall{trusted}"
        )


@check(
    "KVA213",
    *NETWORK,
    "enabledForDeployment",
    "enabledForDiskEncryption",
    "enabledForTemplateDeployment",
)
def trusted_services_blocked(vault: Vault, _: Thresholds) -> Iterator[str]:
    if vault.bypass_azure_services or vault.open_to_all or vault.perimeter:
        return  # bypass only matters when the firewall refuses callers (a perimeter replaces it)
    needs = [
        name
        for name, on in (
            ("enabledForDeployment", vault.enabled_for_deployment),
            ("enabledForDiskEncryption", vault.enabled_for_disk_encryption),
            ("enabledForTemplateDeployment", vault.enabled_for_template_deployment),
        )
        if on
    ]
    if needs:
        yield (
            f"networkAcls.bypass {vault.bypass} while {', '.join(needs)} "
            f"{'is' if len(needs) == 1 else 'are'} on: the Azure services that need the vault "
            "are stopped by the firewall"
        )


def _valid_rules(vault: Vault) -> Iterator[tuple[str, IPv4Network]]:
    for value in vault.ip_rules:
        net = parse_rule(value)
        if net is not None:
            yield value, net


@check("KVA214", "networkAcls")
def ip_rule_too_broad(vault: Vault, _: Thresholds) -> Iterator[str]:
    for value, net in _valid_rules(vault):
        if net.prefixlen < 16 and non_public_kind(net) is None:
            yield (f"IP rule {value} admits {net.num_addresses:,} addresses (wider than /16)")


@check("KVA215", "networkAcls")
def ip_rule_private(vault: Vault, _: Thresholds) -> Iterator[str]:
    for value, net in _valid_rules(vault):
        kind = non_public_kind(net)
        if kind:
            yield (
                f"IP rule {value} is in {kind} space: Key Vault sees the caller's public "
                "address, so this rule never matches (use a private endpoint or a "
                "virtual-network rule)"
            )


@check("KVA216", "networkAcls")
def ip_rule_invalid(vault: Vault, _: Thresholds) -> Iterator[str]:
    for value in vault.ip_rules:
        if parse_rule(value) is None:
            yield f"IP rule {value!r} is not an IPv4 address or CIDR range: it matches nothing"


@check("KVA217", *NETWORK, "privateEndpointConnections")
def public_despite_private_endpoint(vault: Vault, _: Thresholds) -> Iterator[str]:
    approved = vault.approved_private_endpoints
    if approved and vault.open_to_all:
        yield (
            f"{counted(len(approved), 'Approved private endpoint')}, but public network access is still "
            "open to every address: disable public access or set defaultAction Deny"
        )


@check("KVA218", "networkAcls")
def vnet_rule_without_endpoint(vault: Vault, _: Thresholds) -> Iterator[str]:
    for rule in vault.vnet_rules:
        if rule.ignore_missing_service_endpoint:
            yield (
                f"virtual-network rule {rule.id} was saved with ignoreMissingVnetServiceEndpoint "
                "true, so Azure did not check that the subnet has the Microsoft.KeyVault service "
                "endpoint, and kvlint does not read subnets either: if the endpoint is still "
                "missing, the rule admits nobody (callers in that subnet reach the vault from "
                "their public address and get 403 ForbiddenByFirewall); if it was enabled since, "
                "the rule works (az network vnet subnet show --ids SUBNET_ID --query "
                "serviceEndpoints tells)"
            )


@check("KVA219", "privateEndpointConnections")
def private_endpoint_not_approved(vault: Vault, _: Thresholds) -> Iterator[str]:
    for pe in vault.private_endpoints:
        if pe.status is not None and not pe.approved:
            yield f"private endpoint {pe.id or '(unnamed)'} is {pe.status}: it carries no traffic"


# -- throttling ------------------------------------------------------------------------------


@check("KVA301", "accessPolicies")
def many_principals(vault: Vault, thresholds: Thresholds) -> Iterator[str]:
    principals = {(p.tenant_id, p.object_id) for p in vault.access_policies}
    if len(principals) > thresholds.max_principals:
        yield (
            f"{len(principals)} distinct principals share this vault's request budget "
            f"(threshold {thresholds.max_principals}); Key Vault throttles per vault: consider "
            "one vault per application"
        )


# -- recovery and logging --------------------------------------------------------------------


@check("KVA401", "enableSoftDelete")
def soft_delete_disabled(vault: Vault, _: Thresholds) -> Iterator[str]:
    if vault.soft_delete is not True:
        state = "false" if vault.soft_delete is False else "absent"
        yield f"enableSoftDelete is {state}: a deleted secret, key or vault cannot be recovered"


@check("KVA402", "enablePurgeProtection")
def purge_protection_disabled(vault: Vault, _: Thresholds) -> Iterator[str]:
    if vault.purge_protection is not True:
        yield (
            "enablePurgeProtection is not true: a deleted vault or object can be purged "
            "before its retention period ends"
        )


@check("KVA403", "enableSoftDelete", "softDeleteRetentionInDays")
def short_retention(vault: Vault, thresholds: Thresholds) -> Iterator[str]:
    if vault.soft_delete is True and vault.retention_days < thresholds.min_retention_days:
        yield (
            f"softDeleteRetentionInDays is {vault.retention_days} "
            f"(minimum {thresholds.min_retention_days})"
        )


@check("KVA404", "diagnosticSettings")
def audit_logging_disabled(vault: Vault, _: Thresholds) -> Iterator[str]:
    if vault.diagnostics is None:
        return  # not fetched: say nothing rather than guess
    for setting in vault.diagnostics:
        for log in (setting.get("properties") or {}).get("logs") or ():
            if not log.get("enabled"):
                continue
            if (
                str(log.get("category") or "").lower() in AUDIT_CATEGORIES
                or str(log.get("categoryGroup") or "").lower() in AUDIT_GROUPS
            ):
                return
    count = len(vault.diagnostics)
    yield (
        f"none of its diagnostic settings ({counted(count, 'setting')}) sends AuditEvent (or the audit / allLogs "
        "group): nobody can tell who read which secret, or why callers got 401/403/429"
    )


# -- Managed HSM (KVA6xx) --------------------------------------------------------------------
# Its data plane is local RBAC inside the HSM (not readable through ARM): not checked here.


@check("KVA601", *NETWORK, hsm=True)
def hsm_open(hsm: Vault, _: Thresholds) -> Iterator[str]:
    if hsm.open_to_all:
        why = "no networkAcls" if not hsm.has_network_acls else "networkAcls.defaultAction Allow"
        yield (
            f"publicNetworkAccess Enabled and {why}: any address on the internet can reach the "
            "HSM's data plane (local RBAC, not checked by kvlint, is then the only gate)"
        )


@check("KVA602", *NETWORK, "privateEndpointConnections", hsm=True)
def hsm_unreachable(hsm: Vault, _: Thresholds) -> Iterator[str]:
    if hsm.approved_private_endpoints or hsm.unknown_private_endpoints or hsm.perimeter:
        return
    trusted = (
        "; trusted Microsoft services still pass (bypass AzureServices)"
        if hsm.bypass_azure_services
        else ""
    )
    if not hsm.public_enabled:
        yield (
            "publicNetworkAccess Disabled and no Approved private endpoint: every other caller "
            f"is refused{trusted}"
        )
    elif hsm.default_action.lower() == "deny" and not hsm.ip_rules and not hsm.vnet_rules:
        yield (
            "networkAcls.defaultAction Deny with no IP rule, no virtual-network rule and no "
            f"Approved private endpoint: ordinary callers are refused{trusted}"
        )


@check("KVA603", "privateEndpointConnections", hsm=True)
def hsm_private_endpoint_not_approved(hsm: Vault, _: Thresholds) -> Iterator[str]:
    for pe in hsm.private_endpoints:
        if pe.status is not None and not pe.approved:
            yield f"private endpoint {pe.id or '(unnamed)'} is {pe.status}: it carries no traffic"


@check("KVA604", "enablePurgeProtection", hsm=True)
def hsm_purge_protection_disabled(hsm: Vault, _: Thresholds) -> Iterator[str]:
    if hsm.purge_protection is not True:
        yield (
            "enablePurgeProtection is not true: a deleted HSM or key can be purged before its "
            "retention period ends, and HSM key material cannot be recovered any other way"
        )


@check("KVA605", "softDeleteRetentionInDays", hsm=True)
def hsm_short_retention(hsm: Vault, thresholds: Thresholds) -> Iterator[str]:
    if hsm.retention_days < thresholds.min_retention_days:
        yield (
            f"softDeleteRetentionInDays is {hsm.retention_days} "
            f"(minimum {thresholds.min_retention_days})"
        )
