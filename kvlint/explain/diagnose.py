"""From the facts of a paste to explanations: the gate, the identity, what is missing, the fix.

Key Vault refusals (401 / 403) are classified by the shared model (:mod:`kvlint.causes`, the same
classifier ``kvlint logs`` uses) and keep its KVL codes; what only a paste shows (Entra ID token
errors, throttling answers, Resource Manager refusals, items not found) gets a KVE code. Each
:class:`Explanation` is built here and nowhere else.

Fix commands are built from the paste's values, every value ``shlex``-quoted; a value the paste
does not hold is a ``<placeholder>`` and is listed as missing. A fix that widens access says so.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from kvlint import causes, keyvault
from kvlint.causes import Cause, Evidence
from kvlint.explain.paste import GUID, Facts
from kvlint.findings import Finding, Resource

# First-party clients a user signs in with: their app id in a token means "a user, through …"
USER_CLIENTS = {
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "the Azure CLI",
    "1950a258-227b-4e31-a9cf-717495945fc2": "Azure PowerShell",
    "aebc6443-996d-45c2-90f0-388ff96faa56": "Visual Studio Code",
    "04f0c124-f2bc-4f59-8241-bf6df9866bbd": "Visual Studio",
    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "the Azure portal",
}
MICROSOFT_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
PROPAGATION = (
    "if the grant was made in the last few minutes this may still be propagation (Azure RBAC "
    "changes can take up to 10 minutes, access-policy changes usually seconds): retry with "
    "backoff before changing anything"
)


@dataclass
class Command:
    text: str  # the shell command, values quoted
    note: str = ""
    widens: str = ""  # why this fix widens access ("" when it does not)

    def as_dict(self) -> dict[str, str]:
        return {"command": self.text, "note": self.note, "widens_access": self.widens}


@dataclass
class Explanation:
    finding: Finding
    gate: str  # sign-in, tenant, network, identity, throttling, control plane, item
    identity: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    address: str = ""
    rule: str = ""
    propagation: str = ""
    fixes: list[Command] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # what the paste lacks to say more
    quote: str = ""  # Key Vault's (or Entra's) own words, masked
    config: str | None = None  # with --input: "still refused today" / "admitted today" / …
    config_note: str = ""

    @property
    def code(self) -> str:
        return self.finding.code

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.finding.name,
            "severity": self.finding.severity,
            "gate": self.gate,
            "message": self.finding.message,
            "vault": self.finding.resource.name if self.finding.resource else None,
            "identity": self.identity,
            "missing": self.missing,
            "address": self.address or None,
            "rule": self.rule or None,
            "propagation": self.propagation or None,
            "fixes": [c.as_dict() for c in self.fixes],
            "notes": self.notes,
            "unknown": self.unknown,
            "quote": self.quote or None,
            "configuration": self.config,
            "configuration_note": self.config_note or None,
        }


def q(value: str) -> str:
    return shlex.quote(value)


def _vault_arg(facts: Facts, unknown: list[str]) -> str:
    if facts.vault:
        return q(facts.vault)
    unknown.append("the vault's name (the vault URL or 'Vault: …' line)")
    return "<vault-name>"


def _scope(facts: Facts, unknown: list[str]) -> str:
    if facts.resource:
        return q(facts.resource)
    if facts.vault:
        return f'"$(az keyvault show --name {q(facts.vault)} --query id -o tsv)"'
    unknown.append("the vault's resource id or name (for the role assignment's --scope)")
    return "<vault-resource-id>"


def identity_of(facts: Facts) -> dict[str, str]:
    """Who really called, as far as the paste says."""
    who: dict[str, str] = {}
    if facts.oid:
        who["object_id"] = facts.oid
    if facts.appid:
        who["app_id"] = facts.appid
    if facts.tenant:
        who["tenant"] = facts.tenant
    client = USER_CLIENTS.get(facts.appid)
    if facts.caller_name == "KeyVault/ManagementPlane":
        who["kind"] = (
            "your identity, through Azure Resource Manager (Key Vault's management plane calls "
            "the data plane on the caller's behalf, as the ARM-based providers do)"
        )
        who["principal_type"] = ""
    elif facts.caller_name:
        who["kind"] = f"the managed identity of the Azure service {facts.caller_name}"
        who["principal_type"] = "ServicePrincipal"
    elif client:
        who["kind"] = f"a user signed in through {client} (app id {facts.appid})"
        who["principal_type"] = "User"
    elif facts.oid and facts.appid:
        who["kind"] = (
            "an application or managed identity (service principal), or a user through a "
            "third-party app: the object id is the one to grant"
        )
    return who


def _who(identity: dict[str, str]) -> str:
    if "object_id" in identity:
        return f"object id {identity['object_id']}"
    if "app_id" in identity:
        return f"app id {identity['app_id']}"
    return "an identity the paste does not name"


def _finding(code: str, message: str, facts: Facts) -> Finding:
    resource = (
        Resource(facts.vault, facts.resource or facts.vault, facts.resource.split("/")[2])
        if facts.vault and facts.resource
        else Resource(facts.vault, facts.vault)
        if facts.vault
        else None
    )
    return Finding.of(code, message, resource=resource, subject=facts.oid or facts.appid)


# -- Key Vault refusals --------------------------------------------------------------------------


def key_vault_cause(facts: Facts) -> Cause | None:
    """The shared classifier's reading of the paste; the status is inferred from Key Vault's text
    when the paste lacks it (or reports a proxy's 400, as Pulumi's ARM calls do)."""
    statuses = [facts.status] if facts.status in (401, 403) else [403, 401]
    for status in statuses:
        cause = causes.refusal(Evidence(status, facts.text, ip=facts.address))
        if cause is None:
            continue
        if status != facts.status and cause.code == "KVL109":
            continue  # a guess from no status at all: say nothing rather than "some 401"
        return cause
    return None


def _unauthorized(cause: Cause, facts: Facts, out: Explanation) -> str:
    unknown = out.unknown
    vault_host = facts.vault_host or (f"{facts.vault}.vault.azure.net" if facts.vault else "")
    found = keyvault.audience_for_host(vault_host) if vault_host else None
    audience = found[1] if found else "https://vault.azure.net"
    if cause.code == "KVL102":
        out.missing["audience"] = audience
        return (
            f"401 AKV10022: the token's audience is {cause.detail!r}, the Key Vault audience "
            f"with a trailing slash; request the scope {audience}/.default (v2) or the "
            f"resource {audience} (v1, no slash)"
        )
    if cause.code == "KVL103":
        out.missing["audience"] = audience
        found_text = cause.detail or "another resource"
        why = ""
        if ".vault." in found_text or "vaultcore" in found_text:
            why = (
                " (the vault's own URL is not an audience: every vault of a cloud shares one, "
                "even behind a private endpoint)"
            )
        elif found_text.startswith("spn:") or GUID.fullmatch(found_text):
            why = " (an application id as the audience: ask for the resource URL instead)"
        out.fixes.append(
            Command(
                f"az account get-access-token --resource {q(audience)}",
                "from the Azure CLI; in code: credential.get_token("
                f"{(audience + '/.default')!r}) (the SDK clients do this for you)",
            )
        )
        return (
            f"401 AKV10022 Invalid audience: the token is for {found_text!r}, not for Key "
            f"Vault{why}; request it for {audience} ({audience}/.default as a v2 scope)"
        )
    if cause.code == "KVL106":
        expected = causes.expected_issuers(facts.text)
        tenants = sorted({m.group(0).lower() for m in GUID.finditer(expected)})
        found_tenant = GUID.search(cause.detail or "")
        text = (
            f"401 AKV10032 Invalid issuer: the token comes from tenant "
            f"{found_tenant.group(0).lower() if found_tenant else cause.detail or 'another'}, "
            f"not from the vault's"
        )
        if MICROSOFT_TENANT in tenants:
            out.notes.append(
                "Key Vault expects Microsoft's own tenants: the vault URL names a vault that "
                "is not in your tenant (check the vault name your code uses: an unset "
                "variable gives URLs like https://undefined.vault.azure.net)"
            )
        if len(tenants) == 1:
            out.missing["tenant"] = tenants[0]
            out.fixes.append(
                Command(
                    f"az login --tenant {q(tenants[0])}",
                    "or set AZURE_TENANT_ID / tenant_id= for the credential your code uses",
                )
            )
            text += f" ({tenants[0]})"
        elif tenants:
            text += f" (Key Vault accepts {len(tenants)} tenants: {', '.join(tenants[:5])})"
        else:
            unknown.append("the tenants Key Vault expects ('Expected one of …')")
        return text + "; sign in to the vault's tenant"
    if cause.code == "KVL104":
        out.notes.append(
            "a client that keeps one access token past its lifetime: keep the credential "
            "object and let the SDK refresh (azure-identity caches and renews tokens)"
        )
        return "401: the access token had expired (Key Vault: TokenExpired)"
    if cause.code == "KVL105":
        return (
            "401: the access token is not yet valid (its nbf is in the future): the caller's "
            "or the token issuer's clock is off, or a token was used right after issuance by a "
            "server with a skewed clock; check time synchronisation (NTP)"
        )
    if cause.code == "KVL101":
        return (
            "401 AKV10000: the request carried no access token. The Azure SDKs send the first "
            "request without one on purpose (the challenge) and retry with a token; a client "
            "that stops here has no working credential or sends no Authorization header"
        )
    return f"401 Unauthorized: {cause.detail}"


def _firewall(cause: Cause, facts: Facts, out: Explanation) -> str:
    vault = _vault_arg(facts, out.unknown)
    address = cause.detail or facts.address
    if address:
        out.address = address
        rule = causes.ip_rule_for(address)
        out.rule = rule
        if rule.endswith("/32"):
            out.fixes.append(
                Command(
                    f"az keyvault network-rule add --name {vault} --ip-address {q(rule)}",
                    "lets this address through the vault's firewall",
                    widens=(
                        f"admits every caller whose traffic leaves from {address} (a NAT "
                        "gateway or shared egress admits all behind it); prefer a private "
                        "endpoint or a virtual-network rule for Azure-hosted callers"
                    ),
                )
            )
        else:
            out.notes.append(rule)
    else:
        out.unknown.append(
            "the client address Key Vault saw ('Client address: …'; the paste has it redacted)"
            if facts.address_redacted
            else "the client address Key Vault saw ('Client address: …')"
        )
        out.fixes.append(
            Command(
                f"az keyvault network-rule add --name {vault} --ip-address <address>/32",
                "with the address from Key Vault's message",
                widens="admits every caller behind that address",
            )
        )
    out.notes.append(
        "the firewall is checked after authentication: the caller's identity is known "
        "(Caller: …) but no role or access policy was consulted yet; expect the identity gate "
        "next once the network admits it"
    )
    return (
        "403 ForbiddenByFirewall: the vault's firewall (networkAcls defaultAction Deny) "
        f"refused {address or 'the caller'}: no IP rule or virtual-network rule admits it and "
        "the caller is not a trusted Microsoft service"
    )


def _connection(cause: Cause, facts: Facts, out: Explanation) -> str:
    vault = _vault_arg(facts, out.unknown)
    if cause.detail or facts.address:
        out.address = cause.detail or facts.address
    out.rule = "none: with publicNetworkAccess Disabled no IP or virtual-network rule applies"
    out.fixes.append(
        Command(
            f"az network private-endpoint create --name {q((facts.vault or 'vault') + '-pe')} "
            f"--resource-group <rg> --vnet-name <vnet> --subnet <subnet> "
            f"--private-connection-resource-id {_scope(facts, out.unknown)} --group-id vault "
            "--connection-name kv",
            "call the vault through a private endpoint (privatelink.vaultcore.azure.net DNS); "
            "the endpoint connection must be Approved",
        )
    )
    out.fixes.append(
        Command(
            f"az keyvault update --name {vault} --public-network-access Enabled "
            "--default-action Deny",
            "or re-open the public endpoint behind the firewall, then add an IP rule for the "
            "caller",
            widens=(
                "re-enables the public endpoint: every caller an IP rule, virtual-network rule "
                "or the trusted-services bypass admits can reach the vault again"
            ),
        )
    )
    return (
        "403 ForbiddenByConnection: the vault's public network access is Disabled, and the "
        f"request from {out.address or 'the caller'} came neither through an Approved private "
        "endpoint nor from a trusted Microsoft service. An IP rule cannot help: "
        "publicNetworkAccess Disabled overrides the firewall rules"
    )


def _principal_type(identity: dict[str, str]) -> str:
    kind = identity.get("principal_type")
    return f" --assignee-principal-type {kind}" if kind else ""


def _rbac(cause: Cause, facts: Facts, out: Explanation) -> str:
    action = cause.detail or facts.action
    identity = out.identity
    oid = identity.get("object_id", "")
    if not oid:
        out.unknown.append(
            "the caller's object id ('Caller: …;oid=…'; the paste has it redacted)"
            if facts.caller_redacted
            else "the caller's object id ('Caller: …;oid=…')"
        )
    role = causes.role_for(action) if action else None
    perm = causes.policy_permission(action) if action else None
    if action:
        out.missing["action"] = action
    else:
        out.unknown.append("the data action Key Vault checked ('Action: …')")
    if role:
        out.missing["role"] = role
    if perm:
        out.missing["access_policy_equivalent"] = f"{perm[0]}/{perm[1]}"
    if facts.deny_assignment:
        out.notes.append(
            f"a deny assignment ({facts.deny_assignment}) refused it: a role assignment cannot "
            "override a deny assignment; the deny assignment's owner (often a managed "
            "application or a deployment stack) must exclude this principal"
        )
    else:
        assignee = q(oid) if oid else "<object-id>"
        scope = _scope(facts, out.unknown)
        out.fixes.append(
            Command(
                f"az role assignment create --role {q(role or '<role>')} "
                f"--assignee-object-id {assignee}{_principal_type(identity)} --scope {scope}",
                "grant the least-privileged built-in role at the vault scope",
                widens=(
                    "at the vault scope the role covers every item of its kind in the vault; "
                    + (
                        f"to grant only this item use --scope {q(facts.resource + facts.item)}"
                        if facts.resource and facts.item
                        else "for one item, scope it to …/secrets/<name> (or keys/, certificates/)"
                    )
                ),
            )
        )
        if not role:
            out.unknown.append("the role: kvlint knows no built-in role for this action")
    out.propagation = PROPAGATION
    if facts.assignment.lower().startswith("(not found)"):
        out.notes.append(
            "Key Vault found no role assignment for this object id at this scope when it "
            "decided: if you did assign a role, check it names this object id (a service "
            "principal's object id, not the app registration's) and a scope that contains "
            "the vault"
        )
    if facts.caller_name == "KeyVault/ManagementPlane":
        out.notes.append(
            "the call came through Azure Resource Manager: the vault uses Azure RBAC for data "
            "actions even when the tool (Pulumi's azure-native, ARM templates) calls ARM"
        )
    return (
        f"403 ForbiddenByRbac: Azure RBAC refused {action or 'the data action'} to "
        f"{_who(identity)}: no role assignment grants it"
        + (f" (least-privileged built-in role: {role})" if role else "")
    )


def _access_policy(cause: Cause, facts: Facts, out: Explanation) -> str:
    perm = cause.detail
    oid = out.identity.get("object_id", "")
    vault = _vault_arg(facts, out.unknown)
    if not oid:
        out.unknown.append("the caller's object id ('…oid=…' in Key Vault's message)")
    if perm:
        out.missing["access_policy_permission"] = perm
        kind, _, name = perm.partition("/")
        action = causes.DATA_ACTIONS.get(perm)
        role = causes.role_for(action) if action else None
        if role:
            out.missing["role_if_migrating_to_rbac"] = role
        flag = {"secrets": "--secret-permissions", "keys": "--key-permissions"}.get(
            kind, "--certificate-permissions"
        )
        out.fixes.append(
            Command(
                f"az keyvault set-policy --name {vault} --object-id "
                f"{q(oid) if oid else '<object-id>'} {flag} {q(name)}",
                "give this object id the permission in the vault's access policies (no "
                "--application-id: that would make a compound entry this caller does not match)",
                widens=(
                    f"set-policy replaces the object's {kind} permissions with the list given: "
                    "list the ones it already has too (az keyvault show --name "
                    f"{vault} --query properties.accessPolicies)"
                ),
            )
        )
    else:
        out.unknown.append("the permission refused ('does not have <kind> <permission> …')")
    out.propagation = PROPAGATION
    if facts.appid in USER_CLIENTS:
        out.notes.append(
            "the caller is a user signed in through "
            f"{USER_CLIENTS[facts.appid]}, not your application: run the code with the "
            "identity you granted, or grant this user"
        )
    missing = perm or "the permission"
    return f"403 access policies: no access-policy entry grants {missing} to {_who(out.identity)}"


REFUSALS = {
    "KVL101": ("identity", _unauthorized),
    "KVL102": ("identity", _unauthorized),
    "KVL103": ("identity", _unauthorized),
    "KVL104": ("identity", _unauthorized),
    "KVL105": ("identity", _unauthorized),
    "KVL106": ("tenant", _unauthorized),
    "KVL109": ("identity", _unauthorized),
    "KVL201": ("network", _firewall),
    "KVL202": ("network", _connection),
    "KVL301": ("identity", _access_policy),
    "KVL302": ("identity", _rbac),
}


def _key_vault(cause: Cause, facts: Facts) -> Explanation:
    gate, handler = REFUSALS[cause.code]
    out = Explanation(
        finding=_finding(cause.code, "", facts), gate=gate, identity=identity_of(facts)
    )
    message = handler(cause, facts, out)
    out.finding = _finding(cause.code, message, facts)
    out.quote = facts.message
    return out


# -- the rest: what only a paste shows -----------------------------------------------------------


def _throttled(facts: Facts) -> Explanation:
    wait = f"{facts.retry_after} s" if facts.retry_after else "the Retry-After header's time"
    reason = f" ({facts.reason})" if facts.reason else ""
    message = (
        f"429 Throttled{reason}: the vault refused requests over its per-10-second limit for "
        f"this operation class; wait {wait} and retry with exponential backoff"
    )
    out = Explanation(_finding("KVL401", message, facts), "throttling", identity_of(facts))
    out.notes += [
        "the Azure SDKs already retry 429 with backoff and honour Retry-After: a 429 that "
        "reaches your code means the retries ran out",
        "cache secrets in the process (read once at start-up or per TTL) instead of reading "
        "per request; the limits are per vault per region, and 5 times that per subscription",
    ]
    if not facts.retry_after:
        out.unknown.append("the Retry-After header (how long Key Vault asked to wait)")
    out.quote = facts.message
    return out


def _obo(facts: Facts) -> Explanation:
    vault = q(facts.vault) if facts.vault else "<vault-name>"
    oid = q(facts.oid) if facts.oid else "<object-id>"
    app = q(facts.appid) if facts.appid else "<application-id>"
    message = (
        "403 ForbiddenByPolicy: the vault's access policy for this caller is a compound entry "
        "(objectId with applicationId): it admits the user only on behalf of that application "
        "(OBO). A caller with its own token never matches it"
    )
    out = Explanation(_finding("KVE301", message, facts), "identity", identity_of(facts))
    if not facts.vault:
        out.unknown.append("the vault's name (the vault URL or 'Vault: …' line)")
    out.fixes.append(
        Command(
            f"az keyvault delete-policy --name {vault} --object-id {oid} --application-id {app}",
            "remove the compound entry",
        )
    )
    out.fixes.append(
        Command(
            f"az keyvault set-policy --name {vault} --object-id {oid} --secret-permissions get",
            "then grant the object id itself, without --application-id (give it the "
            "permissions the compound entry held; get is shown)",
        )
    )
    out.quote = facts.message
    return out


def _arm(facts: Facts) -> Explanation:
    action = facts.arm_action
    scope = facts.arm_scope
    oid = facts.oid
    message = (
        f"403 AuthorizationFailed (Azure Resource Manager): {_who(identity_of(facts))} may not "
        f"perform {action} at {scope or 'that scope'}; this is the control plane, not the "
        "vault's data plane"
    )
    out = Explanation(_finding("KVE201", message, facts), "control plane", identity_of(facts))
    out.missing["action"] = action
    data_reads = action.lower().startswith(
        "microsoft.keyvault/vaults/"
    ) and action.lower().endswith(("secrets/read", "keys/read"))
    role = "Key Vault Contributor" if action.lower().startswith("microsoft.keyvault/") else ""
    if action.lower().startswith("microsoft.authorization/roleassignments/"):
        role = "Role Based Access Control Administrator"
    if role:
        out.missing["role"] = role
        out.fixes.append(
            Command(
                f"az role assignment create --role {q(role)} --assignee-object-id "
                f"{q(oid) if oid else '<object-id>'} --scope {q(scope) if scope else '<scope>'}",
                "a control-plane role at the scope Resource Manager named",
                widens=(
                    "Key Vault Contributor manages the vault itself, and on an access-policy "
                    "vault it can grant itself data access through the access policies"
                    if role == "Key Vault Contributor"
                    else "can assign roles to others at that scope (restrict it with a "
                    "condition on the roles it may assign)"
                ),
            )
        )
    if data_reads:
        out.notes.append(
            "reading items through ARM (Pulumi, Terraform's azapi, ARM templates) needs the "
            "control-plane read action; the item's value still needs a data-plane role"
        )
    if not oid:
        out.unknown.append("the caller's object id ('with object id …')")
    out.propagation = (
        "Resource Manager says: if access was recently granted, refresh your credentials "
        "(sign in again for a new token)"
    )
    out.quote = facts.message
    return out


def _item(facts: Facts, deleted: bool) -> Explanation:
    vault = q(facts.vault) if facts.vault else "<vault-name>"
    kind, name = "secret", "<name>"
    if facts.item:
        parts = facts.item.strip("/").split("/")
        kind = {"secrets": "secret", "keys": "key", "certificates": "certificate"}.get(
            parts[0], "secret"
        )
        name = q(parts[1])
    if deleted:
        message = (
            f"409 Conflict: the {kind} is deleted but recoverable (soft-delete): a new one of "
            "that name cannot be created until it is recovered or purged"
        )
        out = Explanation(_finding("KVE502", message, facts), "item", identity_of(facts))
        out.fixes.append(
            Command(
                f"az keyvault {kind} recover --vault-name {vault} --name {name}", "bring it back"
            )
        )
        out.fixes.append(
            Command(
                f"az keyvault {kind} purge --vault-name {vault} --name {name}",
                "or delete it for good (needs the purge permission; refused under purge "
                "protection)",
                widens="irreversible: every version of the item is gone",
            )
        )
    else:
        message = (
            f"404 {kind.capitalize()}NotFound: the vault answered, so the network and identity "
            f"gates passed; no {kind} of that name (or version) exists in it"
        )
        out = Explanation(_finding("KVE501", message, facts), "item", identity_of(facts))
        out.fixes.append(
            Command(
                f"az keyvault {kind} list --vault-name {vault} --query '[].name'",
                "compare the names (and check the vault URL and the version)",
            )
        )
    out.quote = facts.message
    return out


def _unexplained(facts: Facts) -> Explanation:
    message = (
        "403 Forbidden from Key Vault, without Key Vault's reason: the network, the access "
        "policies and Azure RBAC can all answer 403"
    )
    out = Explanation(_finding("KVE001", message, facts), "unknown", identity_of(facts))
    out.unknown.append(
        "Key Vault's error body (the 'message' and 'innererror' code: ForbiddenByFirewall, "
        "ForbiddenByConnection, ForbiddenByRbac, ForbiddenByPolicy), e.g. from the "
        "exception's response body or with AZURE_LOG_LEVEL / logging_enable=True"
    )
    return out


def _unauthorized_unexplained(facts: Facts) -> Explanation:
    message = "401 Unauthorized from Key Vault, without Key Vault's reason"
    out = Explanation(_finding("KVL109", message, facts), "identity", identity_of(facts))
    out.unknown.append(
        "Key Vault's error message (AKV10022 audience, AKV10032 issuer, TokenExpired …)"
    )
    return out


def explain(facts: Facts) -> list[Explanation]:
    """Every explanation the paste supports (empty: nothing Key Vault or Entra ID said)."""
    from kvlint.explain import entra

    found: list[Explanation] = []
    lower = facts.text.lower()
    if facts.records:
        found += _from_records(facts)
    else:
        cause = key_vault_cause(facts)
        if cause is not None:
            found.append(_key_vault(cause, facts))
        elif "requires the caller" in lower and "on-behalf-of" in lower:
            found.append(_obo(facts))
        elif (facts.arm_action and "authorizationfailed" in lower.replace('"', "")) or (
            facts.arm_action and "does not have authorization" in lower
        ):
            found.append(_arm(facts))
        elif facts.status == 429 or facts.code == "Throttled" or "too many requests were" in lower:
            found.append(_throttled(facts))
        elif "deleted but recoverable" in lower or "objectisdeletedbutrecoverable" in lower:
            found.append(_item(facts, deleted=True))
        elif (facts.code.endswith("NotFound") and facts.code != "ResourceNotFound") or (
            "was not found in this key vault" in lower
        ):
            found.append(_item(facts, deleted=False))
    found += entra.explain(facts)
    if not found and not facts.records and _is_key_vault(facts):
        if facts.status == 403:
            found.append(_unexplained(facts))
        elif facts.status == 401:
            found.append(_unauthorized_unexplained(facts))
    return found


def _is_key_vault(facts: Facts) -> bool:
    lower = facts.text.lower()
    return bool(facts.vault or "keyvault" in lower or "key vault" in lower or facts.service_version)


def _from_records(facts: Facts) -> list[Explanation]:
    """AuditEvent records: each distinct (cause, caller, vault) explained once."""
    from kvlint.logs import classify

    seen: dict[tuple[str, str, str, str], Explanation] = {}
    for record in facts.records:
        if record.status == 429:
            key = ("KVL401", record.vault, "", "")
            if key not in seen:
                seen[key] = _throttled(_facts_of(record, facts))
            continue
        cause = classify.classify(record)
        if cause is None:
            continue
        key = (cause.code, record.vault, record.oid or "", cause.detail)
        if key not in seen:
            seen[key] = _key_vault(cause, _facts_of(record, facts))
    return list(seen.values())[:20]


def _facts_of(record: Any, paste: Facts) -> Facts:
    """One record's facts, in the paste's shape (its text is Key Vault's resultDescription)."""
    from kvlint.explain.paste import read

    facts = read(record.description or "") if record.description else Facts()
    facts.shapes = paste.shapes
    facts.status = record.status
    facts.oid = facts.oid or record.oid or ""
    facts.appid = facts.appid or record.appid or ""
    facts.tenant = facts.tenant or record.tenant or ""
    facts.address = facts.address or record.ip or ""
    facts.vault = record.vault or facts.vault
    facts.resource = record.vault_id or facts.resource
    if record.item_kind and record.item:
        facts.item = f"/{record.item_kind}/{record.item}"
    if not facts.action and record.operation:
        facts.action = causes.data_action(record.operation) or ""
    facts.text = facts.text or ""
    facts.records = []
    return facts
