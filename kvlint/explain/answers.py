"""What only a paste shows, beyond Key Vault's 401 / 403 refusals: throttling (429), a compound
access-policy entry (ForbiddenByPolicy / OBO), Resource Manager's AuthorizationFailed, items not
found or deleted but recoverable, and a 401 / 403 without Key Vault's reason."""

from __future__ import annotations

from kvlint.explain.model import Command, Explanation, finding, identity_of, q, who
from kvlint.explain.paste import Facts


def throttled(facts: Facts) -> Explanation:
    wait = f"{facts.retry_after} s" if facts.retry_after else "the Retry-After header's time"
    reason = f" ({facts.reason})" if facts.reason else ""
    message = (
        f"429 Throttled{reason}: the vault refused requests over its per-10-second limit for "
        f"this operation class; wait {wait} and retry with exponential backoff"
    )
    out = Explanation(finding("KVL401", message, facts), "throttling", identity_of(facts))
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


def obo(facts: Facts) -> Explanation:
    vault = q(facts.vault) if facts.vault else "<vault-name>"
    oid = q(facts.oid) if facts.oid else "<object-id>"
    app = q(facts.appid) if facts.appid else "<application-id>"
    message = (
        "403 ForbiddenByPolicy: the vault's access policy for this caller is a compound entry "
        "(objectId with applicationId): it admits the user only on behalf of that application "
        "(OBO). A caller with its own token never matches it"
    )
    out = Explanation(finding("KVE301", message, facts), "identity", identity_of(facts))
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


def arm(facts: Facts) -> Explanation:
    action = facts.arm_action
    scope = facts.arm_scope
    oid = facts.oid
    message = (
        f"403 AuthorizationFailed (Azure Resource Manager): {who(identity_of(facts))} may not "
        f"perform {action} at {scope or 'that scope'}; this is the control plane, not the "
        "vault's data plane"
    )
    out = Explanation(finding("KVE201", message, facts), "control plane", identity_of(facts))
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


def item(facts: Facts, deleted: bool) -> Explanation:
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
        out = Explanation(finding("KVE502", message, facts), "item", identity_of(facts))
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
        out = Explanation(finding("KVE501", message, facts), "item", identity_of(facts))
        out.fixes.append(
            Command(
                f"az keyvault {kind} list --vault-name {vault} --query '[].name'",
                "compare the names (and check the vault URL and the version)",
            )
        )
    out.quote = facts.message
    return out


def unexplained(facts: Facts) -> Explanation:
    message = (
        "403 Forbidden from Key Vault, without Key Vault's reason: the network, the access "
        "policies and Azure RBAC can all answer 403"
    )
    out = Explanation(finding("KVE001", message, facts), "unknown", identity_of(facts))
    out.unknown.append(
        "Key Vault's error body (the 'message' and 'innererror' code: ForbiddenByFirewall, "
        "ForbiddenByConnection, ForbiddenByRbac, ForbiddenByPolicy), e.g. from the "
        "exception's response body or with AZURE_LOG_LEVEL / logging_enable=True"
    )
    return out


def unauthorized_unexplained(facts: Facts) -> Explanation:
    message = "401 Unauthorized from Key Vault, without Key Vault's reason"
    out = Explanation(finding("KVL109", message, facts), "identity", identity_of(facts))
    out.unknown.append(
        "Key Vault's error message (AKV10022 audience, AKV10032 issuer, TokenExpired …)"
    )
    return out
