"""401 and 403 findings (KVL1xx, KVL2xx, KVL3xx) from the refusal groups of an analysis."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from kvlint import causes
from kvlint.logs import classify
from kvlint.logs.findings import LogFinding, build
from kvlint.logs.records import iso

if TYPE_CHECKING:
    from kvlint.logs.analyze import Analysis, Group


def _iso(epoch: float) -> str:
    return iso(epoch)


def _span(first: float, last: float) -> str:
    return f"at {_iso(first)}" if last - first < 1 else f"between {_iso(first)} and {_iso(last)}"


def _n(count: int, noun: str = "request") -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _top(counter: dict, limit: int = 4) -> str:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{k} ({v:,})" if len(items) > 1 else str(k) for k, v in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _who(analysis: Analysis, group: Group) -> str:
    if group.caller == ("", ""):
        return f"an unidentified caller from {_top(group.addresses)}"
    tenant = f" in tenant {group.tenant}" if group.tenant else ""
    return analysis.label(group.caller) + tenant


def _firewall(analysis: Analysis, group: Group) -> LogFinding:
    addresses = sorted(group.addresses, key=lambda a: (-group.addresses[a], a))
    rules = [causes.ip_rule_for(a) for a in addresses]
    public = [r for r in rules if r.endswith("/32")]
    if group.code == "KVL201":
        # Key Vault's words are quoted only when the records carry them (not for a flag alone)
        said = "client address" in group.text.lower() and "not authorized" in group.text.lower()
        quoted = (
            ', "Client address is not authorized and caller is not a trusted service"'
            if said
            else ", isAddressAuthorized false"
        )
        head = (
            f"{_n(group.count)} by {_who(analysis, group)} refused by the firewall (403 "
            f"ForbiddenByFirewall{quoted}) {_span(group.first, group.last)} from "
            f"{_top(group.addresses)}"
        )
        fix = (
            f"; IP rule(s) that would admit them: {', '.join(public[:8])}"
            f"{' …' if len(public) > 8 else ''} (`az keyvault network-rule add --name "
            f"{shlex.quote(group.vault)} --ip-address {shlex.quote(public[0].removesuffix('/32'))}`)"
            if public
            else ""
        )
        private = [r for r in rules if not r.endswith("/32")]
        fix += f"; {'; '.join(private[:3])}" if private else ""
    else:
        head = (
            f"{_n(group.count)} by {_who(analysis, group)} refused because public network access "
            f"is disabled (403 ForbiddenByConnection) {_span(group.first, group.last)} from "
            f"{_top(group.addresses)}"
        )
        fix = (
            "; these callers must come through an Approved private endpoint (or be trusted "
            "Microsoft services with bypass AzureServices); an IP rule does not help while "
            "publicNetworkAccess is Disabled"
        )
    return build(
        group.code,
        group.vault,
        group.vault_id,
        head + fix,
        requests=group.count,
        first=group.first,
        last=group.last,
        key=f"{group.caller}",
        caller={"object_id": group.caller[0], "app_id": group.caller[1], "upn": group.upn},
        addresses=dict(group.addresses),
        ip_rules=public,
        operations=dict(group.operations),
    )


def _propagation(analysis: Analysis, group: Group) -> tuple[str, float, float] | None:
    """("delay"|"granted-later"|"also-succeeded", first, last success) for a refused caller."""
    spans = [
        analysis.successes[k]
        for k in ((group.vault, group.caller, op) for op in group.operations)
        if k in analysis.successes
    ]
    if not spans or group.caller == ("", ""):
        return None
    first = min(s[0] for s in spans)
    last = max(s[1] for s in spans)
    window = analysis.settings.propagation_minutes * 60
    if first > group.first and first - group.first <= window and group.last <= first + window:
        return "delay", first, last
    if first > group.first and last >= group.last:
        return "granted-later", first, last
    return "also-succeeded", first, last


def _permission(group: Group) -> str:
    """The access-policy permission refused (``secrets/get``): Key Vault's words, else the operation's."""
    if group.code == "KVL301" and group.detail:
        return group.detail
    operation = max(group.operations, key=lambda op: (group.operations[op], op), default="")
    perm = classify.permission(operation)
    return f"{perm[0]}/{perm[1]}" if perm else ""


def _grant(analysis: Analysis, group: Group) -> LogFinding:
    oid, appid = group.caller
    ops = _top(group.operations)
    who = _who(analysis, group)
    if group.code == "KVL301":
        missing = group.detail or "the permission for this operation"
        head = (
            f"{_n(group.count)} ({ops}) by {who} refused by the access policies (403) "
            f"{_span(group.first, group.last)}: no access policy grants {missing}"
        )
        target = f"object id {oid}" if oid else f"app {appid}"
        fix = (
            f". This is the identity that really called: give {target} (not the application you "
            f"expected) {missing} in the vault's access policies, without an applicationId"
        )
    else:
        action = group.detail or "the data action for this operation"
        role = causes.role_for(action) if group.detail else None
        head = (
            f"{_n(group.count)} ({ops}) by {who} refused by Azure RBAC (403 ForbiddenByRbac) "
            f"{_span(group.first, group.last)}: no role assignment grants {action}"
        )
        assigned = classify.assignment(group.text)
        if assigned:
            head += f" (Key Vault: Assignment {assigned})"
        fix = (
            f". This is the identity that really called: assign "
            f"{role or 'a role granting that data action'} to object {oid or appid} at the vault "
            "(or the item) scope"
        )
    state = _propagation(analysis, group)
    if state and state[0] == "delay":
        return build(
            "KVL303",
            group.vault,
            group.vault_id,
            f"{_n(group.count)} ({ops}) by {who} were refused (403, "
            f"{'access policy' if group.code == 'KVL301' else 'RBAC'}) from {_iso(group.first)} "
            f"to {_iso(group.last)}, then the same calls succeeded from {_iso(state[1])} on "
            f"({(state[1] - group.first) / 60:.0f} min after the first refusal): a new grant "
            "taking effect (propagation delay), not a missing grant; retry with backoff for a "
            "few minutes after granting",
            requests=group.count,
            first=group.first,
            last=group.last,
            key=f"{group.caller}|{group.detail}",
            caller={"object_id": oid, "app_id": appid, "upn": group.upn},
            refusal=group.code,
            succeeded_from=_iso(state[1]),
            operations=dict(group.operations),
        )
    note = ""
    if state and state[0] == "granted-later":
        note = f"; the same calls succeed from {_iso(state[1])} on (granted since)"
    elif state:
        note = (
            f"; the same caller also succeeded on these operations between {_iso(state[1])} and "
            f"{_iso(state[2])} (a grant that came and went, or another item's scope)"
        )
    return build(
        group.code,
        group.vault,
        group.vault_id,
        head + fix + note,
        requests=group.count,
        first=group.first,
        last=group.last,
        key=f"{group.caller}|{group.detail}",
        caller={"object_id": oid, "app_id": appid, "upn": group.upn, "tenant": group.tenant},
        missing=group.detail,
        permission=_permission(group),
        operations=dict(group.operations),
        addresses=dict(group.addresses),
        granted_later=bool(state and state[0] == "granted-later"),
    )


_TOKEN_TEXT = {
    "KVL102": "401 AKV10022 Invalid audience: the token's audience is '{d}', the Key Vault "
    "audience with a trailing slash; request the scope {a}/.default (v2) or the resource {a} "
    "(v1, no slash)",
    "KVL103": "401 AKV10022 Invalid audience: the token is for '{d}', not for Key Vault; request "
    "it for the Key Vault audience of the vault's cloud (https://vault.azure.net/.default in the "
    "public cloud)",
    "KVL104": "401: the access token had expired (Key Vault: TokenExpired); the client keeps a "
    "token past its lifetime: cache the credential, not the token, and let it refresh",
    "KVL105": "401: the access token is not yet valid (nbf in the future): the caller's or the "
    "token issuer's clock is off",
    "KVL106": "401 AKV10032 Invalid issuer: the token comes from {d}, not from the vault's "
    "tenant; sign in to the vault's tenant (AZURE_TENANT_ID, az login --tenant, tenant_id=)",
    "KVL109": '401 Unauthorized: "{d}"',
}


def _token(analysis: Analysis, group: Group) -> LogFinding:
    detail = group.detail or "another issuer"
    text = _TOKEN_TEXT[group.code].format(d=detail, a=detail.rstrip("/"))
    clients = f" (user agent {_top(group.clients, 2)})" if group.clients else ""
    message = (
        f"{_n(group.count)} ({_top(group.operations)}) by {_who(analysis, group)}{clients} "
        f"{_span(group.first, group.last)}: {text}"
    )
    if group.code == "KVL106":
        expected = classify.expected_issuers(group.text)
        if expected:
            message += f" (Key Vault expects {expected})"
    return build(
        group.code,
        group.vault,
        group.vault_id,
        message,
        requests=group.count,
        first=group.first,
        last=group.last,
        key=f"{group.caller}|{group.detail}",
        caller={"object_id": group.caller[0], "app_id": group.caller[1], "upn": group.upn},
        detail=group.detail,
        addresses=dict(group.addresses),
    )


def _missing_tokens(analysis: Analysis) -> list[LogFinding]:
    found = []
    for (vault, ip, client), item in sorted(analysis.unauthenticated.items()):
        if (vault, ip, client) in analysis.authenticated_clients:
            continue  # the SDKs' challenge: a first request without a token, then the real one
        agent = f" with user agent '{client[:120]}'" if client else " (no user agent)"
        found.append(
            build(
                "KVL101",
                vault,
                item.vault_id or analysis.vault_ids.get(vault, ""),
                f"{_n(item.count)} from {ip or 'an unknown address'}{agent} carried no access "
                f'token (401 AKV10000 "Request is missing a Bearer or PoP token") '
                f"{_span(item.first, item.last)}, and this client never sent an authenticated "
                "request in the log: it is not the SDK's normal challenge. Send "
                "Authorization: Bearer <token for https://vault.azure.net> (or use the Azure SDK "
                "with a credential)",
                requests=item.count,
                first=item.first,
                last=item.last,
                key=f"{ip}|{client}",
                address=ip,
                client=client,
            )
        )
    return found


def challenge_count(analysis: Analysis) -> int:
    """Unauthenticated 401s that are the SDKs' normal challenge (not findings)."""
    return sum(
        item.count
        for key, item in analysis.unauthenticated.items()
        if key in analysis.authenticated_clients
    )


def findings_of(analysis: Analysis) -> list[LogFinding]:
    found = _missing_tokens(analysis)
    for group in analysis.groups.values():
        if group.code in ("KVL201", "KVL202"):
            found.append(_firewall(analysis, group))
        elif group.code in ("KVL301", "KVL302"):
            found.append(_grant(analysis, group))
        else:
            found.append(_token(analysis, group))
    return found
