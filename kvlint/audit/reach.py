"""Would principal X calling from address Y get in? Every gate that stops it (KVA501-KVA507).

Key Vault's order is tenant, network, identity, and each gate is reported, not only the first,
so one run tells the whole fix. When the caller is known from a token, its tenant comes first:
Key Vault authenticates before anything else, and a token from another tenant is a 401 (KVT105).
A network verdict that depends on what was not read (a network security perimeter's rules, a
private endpoint connection without its status) is KVA507, never "allowed".

The network gates are evaluated in Key Vault's order:

1. an Approved private endpoint admits a caller on a private address (it comes through it);
2. ``publicNetworkAccess`` Disabled refuses every other caller, except trusted Microsoft
   services when bypass is ``AzureServices`` (the service's own error text says so);
3. no network ACLs / default action ``Allow`` admits everybody;
4. bypass ``AzureServices`` admits trusted Microsoft services;
5. IP rules (IPv4, a bare address is /32) admit matching public addresses;
6. virtual-network rules admit callers in a listed subnet (``--subnet``);
7. otherwise 403 ``ForbiddenByFirewall``.

Then identity: in RBAC mode the caller's role assignments decide (:mod:`kvlint.audit.rbac`:
KVA506 a definite refusal, KVA505 what could not be decided). In access-policy mode the
caller needs an entry in the vault's tenant for its object id, without ``applicationId``,
holding the permission (or ``all``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network

from kvlint.audit import perimeter, rbac
from kvlint.audit.checks import finding
from kvlint.audit.model import Finding, Vault, counted
from kvlint.audit.network import non_public_kind, parse_address, parse_rule
from kvlint.audit.rbac import DATA_ACTION_PREFIX, DATA_ACTIONS, Evidence
from kvlint.errors import KvlintError
from kvlint.token import tenant_mismatch

__all__ = ["DATA_ACTIONS", "DATA_ACTION_PREFIX", "Caller", "Principal", "gates", "verdict"]

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
KINDS = ("secrets", "keys", "certificates", "storage")


@dataclass(frozen=True)
class Principal:
    """Who calls: an Entra object id and, when known, the tenant its token comes from."""

    object_id: str  # lower case
    tenant_id: str | None = None  # lower case


def principal(object_id: str, tenant_id: str | None = None) -> Principal:
    """A validated principal; also the entry point for other sources (a decoded token's oid/tid)."""
    for value, what in ((object_id, "principal object id"), (tenant_id, "tenant id")):
        if value is not None and not GUID.match(value.strip()):
            raise KvlintError(f"{what} {value!r} is not a GUID")
    return Principal(object_id.strip().lower(), tenant_id.strip().lower() if tenant_id else None)


def parse_permission(text: str) -> tuple[str, str]:
    """``secrets/get`` -> ("secrets", "get"), case-insensitive."""
    kind, sep, name = text.strip().lower().partition("/")
    if not sep or kind not in KINDS or not name or "/" in name:
        raise KvlintError(
            f"permission {text!r} must look like secrets/get, keys/unwrapKey or "
            f"certificates/list (kinds: {', '.join(KINDS)})"
        )
    return kind, name


@dataclass(frozen=True)
class Caller:
    principal: Principal
    address: IPv4Address
    permissions: tuple[tuple[str, str], ...] = (("secrets", "get"),)
    subnet: str | None = None  # a subnet resource id, for virtual-network rules
    trusted_service: bool = False
    groups: frozenset[str] = frozenset()  # object ids of the caller's groups (lower case)
    item: str | None = None  # the secret, key or certificate name, for item-scoped roles

    @property
    def permission_text(self) -> str:
        return ", ".join(f"{kind}/{name}" for kind, name in self.permissions)


def caller(
    who: Principal,
    address: str,
    permissions: list[str] | None = None,
    subnet: str | None = None,
    trusted_service: bool = False,
    groups: list[str] | None = None,
    item: str | None = None,
) -> Caller:
    try:
        ip = parse_address(address)
    except ValueError as exc:
        raise KvlintError(f"--ip {address!r} is not an IPv4 address ({exc})") from None
    perms = tuple(parse_permission(p) for p in permissions or ["secrets/get"])
    members = frozenset(principal(g).object_id for g in groups or ())
    name = item.strip() if item else None
    if name is not None and (not name or "/" in name):
        raise KvlintError(f"--item {item!r} must be one secret, key or certificate name")
    return Caller(
        who, ip, perms, subnet.strip() if subnet else None, trusted_service, members, name
    )


# -- network ---------------------------------------------------------------------------------


def _list(values: list[str], limit: int = 4) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


NETWORK_FIELDS = ("publicNetworkAccess", "networkAcls", "privateEndpointConnections")
IDENTITY_FIELDS = ("tenantId", "enableRbacAuthorization", "accessPolicies")


def _unresolved(vault: Vault, fields: tuple[str, ...]) -> str | None:
    missing = [name for name in fields if name in vault.unknown]
    if not missing:
        return None
    return (
        f"the infrastructure code leaves {', '.join(missing)} unresolved until it is deployed, "
        "so this was not verified"
    )


def _network(
    vault: Vault, who: Caller, perimeters: perimeter.Perimeters
) -> tuple[str | None, str | None]:
    """(why the network verdict is unverified, the refusal): at most one is set."""
    unsure = network_unverified(vault, who)
    if unsure and vault.perimeter and not _unresolved(vault, NETWORK_FIELDS):
        private = non_public_kind(IPv4Network(who.address))
        if private and vault.approved_private_endpoints:
            return None, None
        found = perimeter.verdict(vault.id, who.address, perimeters)
        if found is None:
            return unsure, None
        outcome, why = found
        if outcome == "admit":
            return None, None
        if outcome == "unverified":
            return f"publicNetworkAccess is SecuredByPerimeter: {why}", None
        if outcome == "refuse":
            return None, why
        refusal = network_refusal(vault, who)  # Learning / Audit: the vault's own firewall
        return None, f"{refusal} ({why})" if refusal else None
    if unsure:
        return unsure, None
    refusal = network_refusal(vault, who)
    if refusal is None and who.subnet:
        flagged = _unchecked_subnet_rule(vault, who)
        if flagged:
            return flagged, None
    return None, refusal


def _unchecked_subnet_rule(vault: Vault, who: Caller) -> str | None:
    """Why the verdict is open when only a virtual-network rule saved with
    ``ignoreMissingVnetServiceEndpoint`` admits the caller: the subnet may lack the endpoint."""
    matching = [r for r in vault.vnet_rules if r.id.lower() == (who.subnet or "").lower()]
    if not matching or not all(r.ignore_missing_service_endpoint for r in matching):
        return None
    if network_refusal(vault, replace(who, subnet=None)) is None:
        return None  # admitted anyway (an IP rule, a private endpoint, the bypass)
    return (
        f"network gates: only the virtual-network rule for subnet {matching[0].id} admits the "
        "caller, and it was saved with ignoreMissingVnetServiceEndpoint true, so whether the "
        "subnet has the Microsoft.KeyVault service endpoint was not checked by Azure nor by "
        "kvlint: with it the caller gets in, without it Key Vault sees its public address and "
        "answers 403 ForbiddenByFirewall (see KVA218)"
    )


def network_unverified(vault: Vault, who: Caller) -> str | None:
    """Why the network verdict cannot be decided from what was read, or None."""
    unresolved = _unresolved(vault, NETWORK_FIELDS)
    if unresolved:
        return f"network gates: {unresolved}"
    if vault.perimeter:
        return (
            "publicNetworkAccess is SecuredByPerimeter: the network security perimeter's access "
            "rules replace the vault firewall and the trusted-service bypass, and kvlint was "
            "not given them (pass the perimeter's resource associations and access rules with "
            "--input), so whether this caller gets through was not verified (the vault's "
            f"own {counted(len(vault.ip_rules), 'IP rule')} do not decide)"
        )
    private = non_public_kind(IPv4Network(who.address))
    unknown = vault.unknown_private_endpoints
    if private and unknown and not vault.approved_private_endpoints:
        return (
            f"{who.address} is {private} space, so it can only come through a private "
            f"endpoint, and the status of {counted(len(unknown), 'private endpoint connection')} "
            f"({_list([pe.id or '(unnamed)' for pe in unknown])}) is not in the input: "
            "whether one is Approved was not verified"
        )
    return None


def network_refusal(vault: Vault, who: Caller) -> str | None:
    """None when the network gates admit the caller, else the refusal in Key Vault's words."""
    address = who.address
    private = non_public_kind(IPv4Network(address))
    if private and vault.approved_private_endpoints:
        return None
    trusted = who.trusted_service and vault.bypass_azure_services
    if not vault.public_enabled:
        if trusted:
            return None
        why = (
            "no private endpoint is Approved"
            if not vault.approved_private_endpoints
            else f"{address} is a public address, so it does not come through the vault's "
            "Approved private endpoint"
        )
        return (
            '403 ForbiddenByConnection: "Public network access is disabled and request is '
            'not from a trusted service nor via an approved private link" — '
            f"publicNetworkAccess is Disabled and {why}"
        )
    if vault.default_action.lower() == "allow" or trusted:
        return None
    rules = [(value, parse_rule(value)) for value in vault.ip_rules]
    if private is None and any(net is not None and address in net for _, net in rules):
        return None
    if who.subnet and any(rule.id.lower() == who.subnet.lower() for rule in vault.vnet_rules):
        return None
    reasons = []
    if private:
        reasons.append(
            f"{address} is {private} space: Key Vault sees it only through an "
            "Approved private endpoint (there is none) or a virtual-network rule; "
            "from the internet it sees your egress address (pass that to --ip)"
        )
    elif rules:
        reasons.append(
            (
                f"{address} does not match the vault's one IP rule "
                if len(rules) == 1
                else f"{address} matches none of the vault's {len(rules)} IP rules "
            )
            + f"({_list([value for value, _ in rules])})"
        )
    else:
        reasons.append("defaultAction is Deny and there are no IP rules")
    if vault.vnet_rules:
        hint = "is not in" if who.subnet else "did not say (--subnet) whether it is in"
        reasons.append(
            f"the caller {hint} the subnet of the vault's one virtual-network rule"
            if len(vault.vnet_rules) == 1
            else f"the caller {hint} one of the {len(vault.vnet_rules)} virtual-network rule "
            "subnets"
        )
    if vault.bypass_azure_services and not who.trusted_service:
        reasons.append("only trusted Microsoft services bypass the firewall")
    return (
        '403 ForbiddenByFirewall: "Client address is not authorized and caller is not a '
        f'trusted service" — {"; ".join(reasons)}'
    )


# -- identity --------------------------------------------------------------------------------


def _perm_words(kind: str, name: str) -> str:
    return f"{kind} {name}"


def _access_policy_verdict(vault: Vault, who: Caller) -> tuple[str, str] | None:
    """Key Vault grants the union of the entries for the caller's object id and for the groups
    it is in. Access policies do not say whether an object id is a group, so an entry for
    another object that holds what is asked may be a group the caller belongs to: the verdict
    is then undecided (KVA505), unless the caller's own entries (``--group`` ones included)
    already grant it."""
    oid = who.principal.object_id
    members = {oid} | set(who.groups)
    mine = [p for p in vault.access_policies if p.object_id in members]
    in_tenant = [p for p in mine if p.tenant_id == vault.tenant_id]
    plain = [p for p in in_tenant if not p.application_id]
    wanted = ", ".join(_perm_words(k, n) for k, n in who.permissions)
    refusal = (
        f"403 Forbidden: \"The user, group or application 'oid={oid}' does not have "
        f"{wanted} permission on key vault '{vault.name}'\""
    )
    via = f" or its group(s) {_list(sorted(who.groups))} (--group)" if who.groups else ""
    missing = [(k, n) for k, n in who.permissions if not any(p.grants(k, n) for p in plain)]
    if not missing:
        return None
    # entries for other objects in the vault's tenant holding a missing permission: groups?
    others = sorted(
        {
            p.object_id
            for p in vault.access_policies
            if p.object_id not in members
            and p.tenant_id == vault.tenant_id
            and not p.application_id
            and any(p.grants(k, n) for k, n in missing)
        }
    )
    if others:
        known = (
            "the caller's membership beyond the --group given is not known"
            if who.groups
            else "the caller's group membership is not known (pass --group OID for each "
            "group it is in)"
        )
        have = (
            f"its own entries grant only {_list(sorted(set().union(*(p.granted() for p in plain))), 8)}; "
            if plain
            else ""
        )
        return "KVA505", (
            f"access-policy mode: whether object {oid} gets "
            f"{', '.join(f'{k}/{n}' for k, n in missing)} was not decided — {have}"
            + (
                f"the access policy for another object ({others[0]}) grants it"
                if len(others) == 1
                else f"access policies for {len(others)} other objects ({_list(others)}) grant it"
            )
            + f", and an access policy may name a group: {known}"
        )
    if not in_tenant:
        elsewhere = ""
        if mine:
            elsewhere = (
                f"; its only entries name tenant(s) "
                f"{', '.join(sorted({p.tenant_id for p in mine}))}, not the vault's"
            )
        return "KVA502", (
            f"{refusal} — no access policy for object {oid}{via} in the vault's tenant "
            f"{vault.tenant_id}{elsewhere}, and none of the vault's "
            f"{len(vault.access_policies)} access policies grants "
            f"{', '.join(f'{k}/{n}' for k, n in missing)} to anyone else (so no group "
            "membership would admit it either)"
        )
    if not plain:
        apps = ", ".join(sorted({p.application_id or "" for p in in_tenant}))
        return "KVA504", (
            f"{refusal} — the only access policies for object {oid}{via} are compound "
            f"identities (applicationId {apps}): they apply only when that "
            "application calls on the principal's behalf"
        )
    held = sorted(set().union(*(p.granted() for p in plain))) or ["nothing"]
    return "KVA503", (
        f"{refusal} — the access policy for object {oid}{via} grants "
        f"{_list(held, 8)} but not "
        f"{', '.join(f'{k}/{n}' for k, n in missing)}"
    )


def verdict(vault: Vault, who: Caller, roles: Evidence | None = None) -> Finding | None:
    """The first gate that stops the caller, None when it gets in."""
    found = gates(vault, who, roles)
    return found[0] if found else None


def gates(
    vault: Vault,
    who: Caller,
    roles: Evidence | None = None,
    perimeters: perimeter.Perimeters | None = None,
) -> list[Finding]:
    """Every gate that stops the caller, in Key Vault's order (tenant, network, identity); an
    empty list when the caller gets in. One run tells the whole fix."""
    found = []
    # Key Vault authenticates before it applies the firewall (its ForbiddenByFirewall message
    # names the caller's appid, oid and issuer), so a token from another tenant is a 401 first.
    tenant = who.principal.tenant_id
    known = GUID.match(vault.tenant_id) is not None  # not "the deploying tenant" of a template
    mismatch = tenant_mismatch(tenant, vault.tenant_id) if tenant and known else None
    if mismatch:
        found.append(finding(vault, mismatch.code, mismatch.message))
    unsure, refusal = _network(vault, who, perimeters or perimeter.Perimeters())
    if unsure:
        found.append(finding(vault, "KVA507", unsure))
    elif refusal:
        found.append(finding(vault, "KVA501", refusal))
    if mismatch:
        # the token's oid names the principal in its own tenant: in the vault's tenant it is
        # another object (or none), so identity cannot be judged until the tenant is right
        return found
    rbac_known = vault.rbac and "enableRbacAuthorization" not in vault.unknown
    unresolved = _unresolved(vault, ("enableRbacAuthorization",) if rbac_known else IDENTITY_FIELDS)
    if unresolved:
        found.append(finding(vault, "KVA505", f"identity: {unresolved}"))
        return found
    if vault.hsm:
        found.append(
            finding(
                vault,
                "KVA505",
                "Managed HSM: its data plane is authorized by the HSM's local RBAC (role "
                "assignments kept inside the HSM, not in ARM), which kvlint does not read: "
                f"whether object {who.principal.object_id} may {who.permission_text} was not "
                "checked (az keyvault role assignment list --hsm-name shows them)",
            )
        )
        return found
    if vault.rbac:
        request = rbac.Request(who.principal.object_id, who.permissions, who.groups, who.item)
        result = rbac.decide(vault, request, roles or rbac.Evidence(None))
    else:
        result = _access_policy_verdict(vault, who)
    if result:
        found.append(finding(vault, result[0], result[1]))
    return found
