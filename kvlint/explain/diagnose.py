"""From the facts of a paste to explanations: the gate, the identity, what is missing, the fix.

Key Vault refusals (401 / 403) are classified by the shared model (:mod:`kvlint.causes`, the same
classifier ``kvlint logs`` uses) and keep its KVL codes; what only a paste shows (Entra ID token
errors, throttling answers, Resource Manager refusals, items not found) gets a KVE code. Each
:class:`Explanation` is built here and nowhere else.

Fix commands are built from the paste's values, every value ``shlex``-quoted; a value the paste
does not hold is a ``<placeholder>`` and is listed as missing. A fix that widens access says so.
"""

from __future__ import annotations

from typing import Any

from kvlint import causes, keyvault
from kvlint.causes import Cause, Evidence
from kvlint.explain import answers, entra
from kvlint.explain.model import (
    MICROSOFT_TENANT,
    PROPAGATION,
    USER_CLIENTS,
    Command,
    Explanation,
    finding,
    identity_of,
    q,
    scope_arg,
    vault_arg,
    who,
)
from kvlint.explain.paste import GUID, Facts

# -- Key Vault refusals --------------------------------------------------------------------------


# Phrases only Key Vault writes; a generic word ("AccessDenied", "TokenExpired") counts only in a
# paste that is otherwise about Key Vault (an S3 or Storage 403 is not a Key Vault refusal).
_KEY_VAULT_WORDS = (
    "akv1",
    "forbiddenby",
    "caller is not authorized to perform action on resource",
    "public network access is disabled and request is not from a trusted service",
    "client address is not authorized",
    "permission on key vault",
    "not found on any access policy",
    "s2s12086",
    "not allowed by rbac",
)


def key_vault_cause(facts: Facts) -> Cause | None:
    """The shared classifier's reading of the paste; the status is inferred from Key Vault's text
    when the paste lacks it (or reports a proxy's 400, as Pulumi's ARM calls do)."""
    lower = facts.text.lower()
    if not (_is_key_vault(facts) or any(word in lower for word in _KEY_VAULT_WORDS)):
        return None
    statuses = [facts.status] if facts.status in (401, 403) else [403, 401]
    for status in statuses:
        cause = causes.refusal(Evidence(status, facts.text, ip=facts.address))
        if cause is None:
            continue
        if status != facts.status and cause.code == "KVL109":
            continue  # a guess from no status at all: say nothing rather than "some 401"
        return cause
    return None


def _challenge_tenant(facts: Facts) -> str:
    """The vault's tenant, as Key Vault's 401 challenge names it (authorization="…/<tenant>")."""
    match = GUID.search(facts.challenge_authority)
    return match.group(0).lower() if match else ""


def _unauthorized(cause: Cause, facts: Facts, out: Explanation) -> str:
    unknown = out.unknown
    if facts.challenge_authority:
        tenant = _challenge_tenant(facts)
        out.notes.append(
            f"Key Vault's challenge (WWW-Authenticate) names the sign-in authority "
            f"{facts.challenge_authority}"
            + (f" (the vault's tenant {tenant})" if tenant else "")
            + (f" and the resource {facts.challenge_resource}" if facts.challenge_resource else "")
        )
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
        elif _challenge_tenant(facts):
            tenant = _challenge_tenant(facts)
            out.missing["tenant"] = tenant
            out.fixes.append(
                Command(
                    f"az login --tenant {q(tenant)}",
                    "the tenant Key Vault's WWW-Authenticate challenge names",
                )
            )
            text += f" ({tenant}, from the WWW-Authenticate challenge)"
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
    vault = vault_arg(facts, out.unknown)
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
    vault = vault_arg(facts, out.unknown)
    if cause.detail or facts.address:
        out.address = cause.detail or facts.address
    out.rule = "none: with publicNetworkAccess Disabled no IP or virtual-network rule applies"
    out.fixes.append(
        Command(
            f"az network private-endpoint create --name {q((facts.vault or 'vault') + '-pe')} "
            f"--resource-group <rg> --vnet-name <vnet> --subnet <subnet> "
            f"--private-connection-resource-id {scope_arg(facts, out.unknown)} --group-id vault "
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
        scope = scope_arg(facts, out.unknown)
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
        f"{who(identity)}: no role assignment grants it"
        + (f" (least-privileged built-in role: {role})" if role else "")
    )


def _access_policy(cause: Cause, facts: Facts, out: Explanation) -> str:
    perm = cause.detail
    oid = out.identity.get("object_id", "")
    vault = vault_arg(facts, out.unknown)
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
    return f"403 access policies: no access-policy entry grants {missing} to {who(out.identity)}"


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
        finding=finding(cause.code, "", facts), gate=gate, identity=identity_of(facts)
    )
    message = handler(cause, facts, out)
    out.finding = finding(cause.code, message, facts)
    out.quote = facts.message
    return out


def explain(facts: Facts) -> list[Explanation]:
    """Every explanation the paste supports (empty: nothing Key Vault or Entra ID said)."""
    found: list[Explanation] = []
    lower = facts.text.lower()
    if facts.records:
        found += _from_records(facts)
    else:
        cause = key_vault_cause(facts)
        if cause is not None:
            found.append(_key_vault(cause, facts))
        elif "requires the caller" in lower and "on-behalf-of" in lower:
            found.append(answers.obo(facts))
        elif (facts.arm_action and "authorizationfailed" in lower.replace('"', "")) or (
            facts.arm_action and "does not have authorization" in lower
        ):
            found.append(answers.arm(facts))
        elif facts.status == 429 or facts.code == "Throttled" or "too many requests were" in lower:
            found.append(answers.throttled(facts))
        elif "deleted but recoverable" in lower or "objectisdeletedbutrecoverable" in lower:
            found.append(answers.item(facts, deleted=True))
        elif (facts.code.endswith("NotFound") and facts.code != "ResourceNotFound") or (
            "was not found in this key vault" in lower
        ):
            found.append(answers.item(facts, deleted=False))
    found += entra.explain(facts)
    if not found and not facts.records and _is_key_vault(facts):
        if facts.status == 403:
            found.append(answers.unexplained(facts))
        elif facts.status == 401:
            found.append(answers.unauthorized_unexplained(facts))
    return found


def _is_key_vault(facts: Facts) -> bool:
    lower = facts.text.lower()
    return bool(
        facts.vault
        or facts.vault_host
        or "keyvault" in lower
        or "key vault" in lower
        or facts.service_version
        or 'resource="https://vault.' in lower
    )


def _from_records(facts: Facts) -> list[Explanation]:
    """AuditEvent records: each distinct (cause, caller, vault) explained once."""
    from kvlint.logs import classify

    seen: dict[tuple[str, str, str, str], Explanation] = {}
    for record in facts.records:
        if record.status == 429:
            key = ("KVL401", record.vault, "", "")
            if key not in seen:
                seen[key] = answers.throttled(_facts_of(record, facts))
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
