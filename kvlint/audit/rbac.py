"""The RBAC verdict: do the caller's role assignments grant the data actions it needs?

Live and offline evidence are the same :class:`Evidence`; one function decides. A refusal is
definite (KVA506) only when the assignments were read and none that applies grants the action;
otherwise KVA505 says what could not be decided:

- the assignments were not read (offline without an export) or could not be read;
- an assignment's role is a custom role whose definition was not given;
- only conditional (ABAC) assignments grant it;
- a group holds a granting role and the caller's membership is unknown (``--group`` supplies it;
  live, ``assignedTo()`` has already resolved membership);
- only item-scoped assignments (``…/secrets/NAME``) grant it and no ``--item`` was named.

Scopes: the vault, its resource group, subscription, management groups and the root apply (an
export made with ``--include-inherited`` lists a management group only when it is an ancestor);
an item scope applies to that item only.

Deny assignments win over every grant: one whose scope covers the vault (its own scope only
with ``doNotApplyToChildScopes``), whose principals include the caller, Everyone or a group
given with ``--group``, whose ``excludePrincipals`` do not exempt it and whose data actions
(less ``notDataActions``) cover the action is a definite refusal (KVA506); one that names a
group of unknown membership, or exempts one, leaves the verdict undecided (KVA505). When the
deny assignments were not read, an allowed verdict says so (:func:`unread_denies`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kvlint.audit.model import Vault, counted
from kvlint.audit.roles import (
    BUILTIN,
    EVERYONE,
    DenyAssignment,
    RoleAssignment,
    RoleDefinition,
    least_privileged,
)

__all__ = ["BUILTIN", "DATA_ACTIONS", "Evidence", "Request", "decide"]

KINDS_TO_COLLECTION = {"secrets": "secrets", "keys": "keys", "certificates": "certificates"}
MG_PREFIX = "/providers/microsoft.management/managementgroups/"

# Access-policy permission -> the RBAC data action that allows the same operation.
DATA_ACTION_PREFIX = "Microsoft.KeyVault/vaults/"
DATA_ACTIONS: dict[str, str] = {
    **{f"secrets/{p}": f"secrets/{p}/action" for p in ("backup", "restore", "recover", "purge")},
    "secrets/get": "secrets/getSecret/action",
    "secrets/list": "secrets/readMetadata/action",
    "secrets/set": "secrets/setSecret/action",
    "secrets/delete": "secrets/delete",
    **{
        f"keys/{p}": f"keys/{p}/action"
        for p in (
            "create",
            "import",
            "update",
            "backup",
            "restore",
            "recover",
            "purge",
            "encrypt",
            "decrypt",
            "sign",
            "verify",
            "release",
            "rotate",
        )
    },
    "keys/get": "keys/read",
    "keys/list": "keys/read",
    "keys/delete": "keys/delete",
    "keys/wrapkey": "keys/wrap/action",
    "keys/unwrapkey": "keys/unwrap/action",
    "keys/getrotationpolicy": "keyrotationpolicies/read",
    "keys/setrotationpolicy": "keyrotationpolicies/write",
    **{
        f"certificates/{p}": f"certificates/{p}/action"
        for p in ("create", "import", "update", "backup", "restore", "recover", "purge")
    },
    "certificates/get": "certificates/read",
    "certificates/list": "certificates/read",
    "certificates/delete": "certificates/delete",
    "certificates/managecontacts": "certificatecontacts/write",
    "certificates/getissuers": "certificatecas/read",
    "certificates/listissuers": "certificatecas/read",
    "certificates/setissuers": "certificatecas/write",
    "certificates/manageissuers": "certificatecas/write",
    "certificates/deleteissuers": "certificatecas/delete",
}


@dataclass(frozen=True)
class Evidence:
    """Role assignments (None = not read, ``reason`` says why) and the definitions known."""

    assignments: tuple[RoleAssignment, ...] | None
    definitions: Mapping[str, RoleDefinition] = field(default_factory=lambda: dict(BUILTIN))
    membership_resolved: bool = False  # live: assignedTo() returned the caller's groups' too
    reason: str = "role assignments were not checked (offline input without an export of them)"
    source: str = "the role assignments given"
    complete: bool = True  # False: only some assignments are known (a plan's own)
    # deny assignments at or above the vault; None = not read (``deny_reason`` says why)
    denies: tuple[DenyAssignment, ...] | None = None
    deny_reason: str = "deny assignments were not given (pass them with --input)"


@dataclass(frozen=True)
class Request:
    """What the RBAC verdict needs to know about the caller."""

    object_id: str
    permissions: tuple[tuple[str, str], ...]
    groups: frozenset[str] = frozenset()
    item: str | None = None


def _covers(scope: str, target: str) -> bool:
    scope = scope.lower().rstrip("/")
    target = target.lower()
    return scope == "" or target == scope or target.startswith(scope + "/")


def _applies(scope: str, vault: Vault, item_scope: str | None) -> str | None:
    """ "vault" when the assignment's scope covers the vault, "item" for one of its items."""
    lowered = scope.lower().rstrip("/")
    if lowered == "" or lowered.startswith(MG_PREFIX) or _covers(lowered, vault.id):
        return "vault"
    if item_scope and _covers(lowered, item_scope):
        return "vault"  # the named item, or a parent of it below the vault
    if lowered.startswith(vault.id.lower() + "/") and not item_scope:
        return "item"  # some item of this vault; which one the caller reads was not said
    return None


def _list(values: list[str], limit: int = 4) -> str:
    values = sorted(set(values), key=str.lower)
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _deny_scope(deny: DenyAssignment, vault: Vault, item_scope: str | None) -> bool:
    scope = deny.scope.lower().rstrip("/")
    if not deny.child_scopes:
        return scope == vault.id.lower() or (item_scope is not None and scope == item_scope.lower())
    return _applies(deny.scope, vault, item_scope) == "vault"


def _denied(
    vault: Vault, who: Request, evidence: Evidence, actions: dict[str, str], item_scope: str | None
) -> tuple[str, str] | None:
    """(code, reason) when a deny assignment refuses (KVA506) or may refuse (KVA505) the
    caller one of ``actions``; None when none applies."""
    unsure: list[str] = []
    for deny in evidence.denies or ():
        if not _deny_scope(deny, vault, item_scope):
            continue
        hit = [perm for perm, action in actions.items() if deny.denies(action)]
        if not hit:
            continue
        members = {who.object_id, *who.groups}
        named = {pid for pid, _ in deny.principals}
        if EVERYONE in named or named & members:
            applies: bool | None = True
        elif any(kind.lower() in ("group", "") for _, kind in deny.principals):
            applies = None  # it names groups the caller may be in
        else:
            applies = False
        if applies is False:
            continue
        exempt_ids = {pid for pid, _ in deny.excluded}
        if exempt_ids & members:
            continue  # excludePrincipals exempts the caller (or a group given with --group)
        exempt_groups = [
            pid
            for pid, kind in deny.excluded
            if kind.lower() in ("group", "") and pid not in members
        ]
        at = f"deny assignment {deny.label} at {deny.scope or '/'}"
        what = ", ".join(hit)
        if applies and not exempt_groups and not deny.condition:
            return "KVA506", (
                f"{at} denies {what} to "
                + ("everyone" if EVERYONE in named else f"object {who.object_id}")
                + (
                    f" (excluding {counted(len(deny.excluded), 'principal')}, not this caller)"
                    if deny.excluded
                    else ""
                )
                + ": a deny assignment wins over every role assignment, so Key Vault answers "
                '403 ForbiddenByRbac ("Caller is not authorized to perform action on resource") '
                "whatever role is granted"
            )
        if applies is None:
            unsure.append(
                f"{at} denies {what} to group(s) {_list([p for p, _ in deny.principals])} and "
                "the caller's membership is unknown (pass --group OID for each group it is in)"
            )
        elif deny.condition:
            unsure.append(f"{at} denies {what} under a condition kvlint does not evaluate")
        else:
            unsure.append(
                f"{at} denies {what} to everyone except group(s) {_list(exempt_groups)}, and "
                "whether the caller is in one of them is unknown (pass --group OID)"
            )
    if unsure:
        return "KVA505", "; ".join(unsure)
    return None


def unread_denies(vault: Vault, evidence: Evidence | None) -> str | None:
    """Why an allowed RBAC verdict is allowed only as far as was read: the deny assignments
    (which win over every grant) were not read; None when they were, or do not matter."""
    if not vault.rbac or vault.hsm or evidence is None or evidence.assignments is None:
        return None
    if evidence.denies is not None:
        return None
    return evidence.deny_reason


def decide(vault: Vault, who: Request, evidence: Evidence) -> tuple[str, str] | None:
    """None when the caller's role assignments grant every permission and no deny assignment
    refuses it, else (code, message)."""
    oid = who.object_id
    head = f"RBAC mode: role assignments decide whether object {oid} gets " + ", ".join(
        f"{k}/{n}" for k, n in who.permissions
    )
    found = _decide(vault, who, evidence, head)
    if found and found[0] == "KVA506":
        return found
    actions = {
        f"{k}/{n}": DATA_ACTION_PREFIX + DATA_ACTIONS[f"{k}/{n}"]
        for k, n in who.permissions
        if f"{k}/{n}" in DATA_ACTIONS
    }
    kinds = {kind for kind, _ in who.permissions}
    item_scope = (
        f"{vault.id}/{KINDS_TO_COLLECTION[next(iter(kinds))]}/{who.item}"
        if who.item and len(kinds) == 1 and next(iter(kinds)) in KINDS_TO_COLLECTION
        else None
    )
    denied = _denied(vault, who, evidence, actions, item_scope)
    if denied and (denied[0] == "KVA506" or found is None):
        return denied[0], f"{head}; {denied[1]}"
    if denied and found:
        return found[0], f"{found[1]}; also {denied[1]}"
    return found


def _decide(vault: Vault, who: Request, evidence: Evidence, head: str) -> tuple[str, str] | None:
    oid = who.object_id
    if evidence.assignments is None:
        return "KVA505", f"{head}; {evidence.reason}; access policies do not count in this mode"
    actions: dict[str, str] = {}
    for kind, permission in who.permissions:
        action = DATA_ACTIONS.get(f"{kind}/{permission}")
        if action is None:
            return "KVA505", (
                f"{head}; kvlint does not know the data action for {kind}/{permission}, so the "
                f"{counted(len(evidence.assignments), 'role assignment')} found were not verified"
            )
        actions[f"{kind}/{permission}"] = DATA_ACTION_PREFIX + action
    kinds = {kind for kind, _ in who.permissions}
    item_scope = (
        f"{vault.id}/{KINDS_TO_COLLECTION[next(iter(kinds))]}/{who.item}"
        if who.item and len(kinds) == 1
        else None
    )
    mine: list[tuple[RoleAssignment, str]] = []
    groups: list[tuple[RoleAssignment, str]] = []
    for a in evidence.assignments:
        reach = _applies(a.scope, vault, item_scope)
        if reach is None:
            continue
        if evidence.membership_resolved or a.principal_id == oid or a.principal_id in who.groups:
            mine.append((a, reach))
        elif (a.principal_type or "group").lower() in ("group", "foreigngroup") or (
            a.principal_id == "(known after apply)"
        ):
            groups.append((a, reach))
    if (
        evidence.complete
        and not evidence.membership_resolved
        and not _any_in_reach(vault, evidence.assignments)
    ):
        return "KVA505", (
            f"{head}; none of the role assignments given "
            f"({counted(len(evidence.assignments), 'role assignment')}) is at "
            "this vault, its resource group, subscription or a management group: export them "
            "with `az role assignment list --all --include-inherited`"
        )

    def role(a: RoleAssignment) -> RoleDefinition | None:
        return evidence.definitions.get(a.role_id)

    def name(a: RoleAssignment) -> str:
        found = role(a)
        return found.name if found else a.role_name or a.role_id

    missing: list[str] = []
    unsure: list[str] = []
    for perm, action in actions.items():
        granting = [(a, r) for a, r in mine if (d := role(a)) and d.allows(action)]
        if any(r == "vault" and not a.condition for a, r in granting):
            continue
        reasons = []
        unknown = sorted({name(a) for a, _ in mine if role(a) is None})
        if unknown:
            reasons.append(
                f"the definition of role(s) {_list(unknown)} was not given (pass "
                "`az role definition list -o json` with --input)"
            )
        conditional = sorted({name(a) for a, r in granting if r == "vault" and a.condition})
        if conditional:
            reasons.append(
                f"only conditional (ABAC) assignments grant it ({_list(conditional)}): kvlint "
                "does not evaluate conditions"
            )
        items = sorted({a.scope.rsplit("/", 2)[-1] for a, r in granting if r == "item"})
        if items:
            reasons.append(
                f"only assignments on item(s) {_list(items)} grant it: name the item with "
                "--item to judge it"
            )
        via_group = sorted(
            {
                a.principal_id
                for a, r in groups
                if r == "vault" and ((d := role(a)) is None or d.allows(action))
            }
        )
        if via_group:
            reasons.append(
                f"group(s) {_list(via_group)} hold a role that grants it and the caller's "
                "membership is unknown (pass --group OID for each group it is in)"
            )
        if reasons:
            unsure.append(f"{perm}: " + "; ".join(reasons))
        else:
            missing.append(f"{perm} ({action})")
    if unsure:
        return "KVA505", f"{head}; not verified: " + " / ".join(unsure)
    if missing and not evidence.complete:
        return "KVA505", (
            f"{head}; none of this caller's role assignments "
            f"({counted(len(mine), 'role assignment')}) in "
            f"{evidence.source} grants {'; '.join(missing)}, and assignments made outside it "
            "(inherited ones included) are not known before deployment"
        )
    if missing:
        seen = _list([name(a) for a, r in mine if r == "vault"]) or "none"
        suggestion = least_privileged(list(actions.values()))
        fix = (
            f'; "{suggestion.name}" at the vault would grant it'
            if suggestion
            else "; no single built-in role grants all of it"
        )
        count = sum(1 for _, r in mine if r == "vault")
        assigners = sorted(
            {name(a) for a, r in mine if r == "vault" and (d := role(a)) and d.can_assign_roles}
        )
        control = (
            f"; {_list(assigners)} may create role assignments "
            "(Microsoft.Authorization/roleAssignments/write), so the caller could grant itself "
            "such a role, but a control-plane role grants no data access by itself"
            if assigners
            else ""
        )
        return "KVA506", (
            f"{head}; none of its role assignments at this vault or above in "
            f"{evidence.source} ({counted(count, 'role assignment')}, roles: {seen}) grants {'; '.join(missing)}: Key Vault answers "
            '403 ForbiddenByRbac ("Caller is not authorized to perform action on resource")'
            f"{fix}{control}"
        )
    return None


def _any_in_reach(vault: Vault, assignments: tuple[RoleAssignment, ...]) -> bool:
    """Whether the export covers this vault at all: some assignment in its subscription's
    tree, at a management group or the root (else the export is about other scopes)."""
    sub = f"/subscriptions/{vault.subscription}".lower()
    for a in assignments:
        scope = a.scope.lower().rstrip("/")
        if (
            scope == ""
            or scope.startswith(MG_PREFIX)
            or scope == sub
            or scope.startswith(sub + "/")
        ):
            return True
    return False
