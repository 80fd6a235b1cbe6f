"""Why Key Vault refused a request: one classifier for every face that reads Key Vault's answers.

``kvlint logs`` reads a refusal from an AuditEvent record (status, ``resultDescription``, the
``isAddressAuthorized`` / ``isRbacAuthorized`` / ``isAccessPolicyMatch`` flags); ``kvlint explain``
reads it from what a user pastes (an SDK exception, a REST body, a Terraform block). Both hand
:func:`refusal` the same :class:`Evidence` and get the same :class:`Cause` (a KVL code and its
detail), so a text means one thing whichever way it came in.

The texts are Key Vault's own (its REST error-code guide and the messages it returns):

- 401 ``AKV10000: Request is missing a Bearer or PoP token.`` (also the SDKs' normal challenge:
  the first request of a client carries no token);
- 401 ``AKV10022: Invalid audience. Expected https://vault.azure.net, found: …``;
- 401 ``AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tenant}/, found …``;
- 401 ``[TokenExpired] Error validating token: 'S2S12086'`` / ``Token not yet valid``;
- 403 ``Public network access is disabled and request is not from a trusted service nor via an
  approved private link`` (ForbiddenByConnection);
- 403 ``Client address is not authorized and caller is not a trusted service`` (ForbiddenByFirewall);
- 403 ``Caller is not authorized to perform action on resource … Action: '…'`` (ForbiddenByRbac);
- 403 ``The user, group or application '…' does not have secrets get permission on key vault``
  / ``Caller was not found on any access policy`` (access policies).

Key Vault's own text decides before the flags do: a record whose text says public network access
is disabled is KVL202 even when ``isAddressAuthorized`` is false (``publicNetworkAccess`` Disabled
overrides the firewall rules, so an IP rule cannot help). A 403 whose text and flags say none of
these stays unclassified (counted, never guessed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Network, ip_address

from kvlint import keyvault
from kvlint.audit.network import non_public_kind
from kvlint.audit.rbac import DATA_ACTION_PREFIX, DATA_ACTIONS
from kvlint.redact import mask

_FOUND = re.compile(r"found:?\s*'?([^\s',\"]+)", re.I)
_EXPECTED_ISSUER = re.compile(r"expected one of\s+(.+?),?\s+found", re.I)
_CLIENT_ADDRESS = re.compile(r"client address:?\s*\(?([0-9a-fA-F.:]*[0-9a-fA-F])", re.I)
_ACTION = re.compile(r"action:\s*'?([A-Za-z0-9./_-]+)'?", re.I)
_ASSIGNMENT = re.compile(r"assignment:\s*([^\r\n]+?)(?:\s+denyassignmentid|\r|\n|$)", re.I)
_PERMISSION = re.compile(r"does not have (\w+) (\w+) permission", re.I)
_CALLER_PARTS = re.compile(r"\b(appid|oid|iss|tid)=([^;'\s\\\"]+)", re.I)
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

# operationName -> the access-policy permission it needs (kind, name), from the logging docs'
# operation table and the REST reference. Unknown operations map to nothing (never guessed).
_VERBS = {
    "Get": "get",
    "List": "list",
    "ListVersions": "list",
    "Set": "set",
    "Create": "create",
    "Import": "import",
    "Update": "update",
    "Delete": "delete",
    "Backup": "backup",
    "Restore": "restore",
    "Recover": "recover",
    "Purge": "purge",
    "Sign": "sign",
    "Verify": "verify",
    "Wrap": "wrapKey",
    "Unwrap": "unwrapKey",
    "Encrypt": "encrypt",
    "Decrypt": "decrypt",
    "Rotate": "rotate",
    "Release": "release",
    "RotationPolicyGet": "getrotationpolicy",
    "RotationPolicySet": "setrotationpolicy",
    "ContactsGet": "managecontacts",
    "ContactsSet": "managecontacts",
    "ContactsDelete": "managecontacts",
    "IssuerGet": "getissuers",
    "IssuersList": "listissuers",
    "IssuerSet": "setissuers",
    "IssuerUpdate": "setissuers",
    "IssuerDelete": "deleteissuers",
    "PolicyGet": "get",
    "PolicyUpdate": "update",
}
_KINDS = (("Secret", "secrets"), ("Key", "keys"), ("Certificate", "certificates"))


def permission(operation: str) -> tuple[str, str] | None:
    """``SecretGet`` -> ("secrets", "get"); None for operations without a known permission."""
    for prefix, kind in _KINDS:
        if operation.startswith(prefix):
            verb = _VERBS.get(operation[len(prefix) :])
            if verb is None or (kind != "keys" and verb in ("sign", "wrapKey", "unwrapKey")):
                return None
            return kind, verb
    return None


def data_action(operation: str) -> str | None:
    """The RBAC data action an operation needs (``Microsoft.KeyVault/vaults/secrets/getSecret/action``)."""
    perm = permission(operation)
    if perm is None:
        return None
    action = DATA_ACTIONS.get(f"{perm[0]}/{perm[1].lower()}")
    return DATA_ACTION_PREFIX + action if action else None


# The built-in role suggested for a data action (Key Vault's RBAC guide): the least privileged
# that grants it for the usual reader, not merely the first role that happens to include it.
ROLES = {
    "secrets/getsecret/action": "Key Vault Secrets User",
    "secrets/readmetadata/action": "Key Vault Reader",
    "secrets/setsecret/action": "Key Vault Secrets Officer",
    "secrets/delete": "Key Vault Secrets Officer",
    "keys/read": "Key Vault Crypto User",
    "keys/sign/action": "Key Vault Crypto User",
    "keys/verify/action": "Key Vault Crypto User",
    "keys/wrap/action": "Key Vault Crypto Service Encryption User",
    "keys/unwrap/action": "Key Vault Crypto Service Encryption User",
    "keys/encrypt/action": "Key Vault Crypto User",
    "keys/decrypt/action": "Key Vault Crypto User",
    "keys/create/action": "Key Vault Crypto Officer",
    "certificates/read": "Key Vault Certificate User",
    "certificates/create/action": "Key Vault Certificates Officer",
}


def role_for(action: str) -> str | None:
    """The least-privileged built-in role granting a data action (full or short form)."""
    short = action.lower().removeprefix(DATA_ACTION_PREFIX.lower())
    named = ROLES.get(short)
    if named:
        return named
    from kvlint.audit.roles import least_privileged

    role = least_privileged([DATA_ACTION_PREFIX + short])
    return role.name if role else None


def policy_permission(action: str) -> tuple[str, str] | None:
    """The access-policy permission that allows the same operation as a data action."""
    short = action.lower().removeprefix(DATA_ACTION_PREFIX.lower())
    matches = [perm for perm, act in DATA_ACTIONS.items() if act.lower() == short]
    if not matches:
        return None
    # keys/read serves both get and list: the get is what a read of one item needs
    perm = next((m for m in matches if m.endswith("/get")), matches[0])
    kind, _, name = perm.partition("/")
    return kind, name


# -- causes --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cause:
    code: str
    detail: str = ""  # the audience found, the permission or data action, the client address


@dataclass(frozen=True, slots=True)
class Evidence:
    """What is known of one refused request, from a log record or a pasted error."""

    status: int | None
    text: str = ""  # Key Vault's words (resultDescription, the error message)
    address_authorized: bool | None = None
    rbac_authorized: bool | None = None
    access_policy_match: bool | None = None
    authenticated: bool | None = None  # None: not known (a paste); False: the log names nobody
    operation: str = ""  # the AuditEvent operationName, when known
    ip: str = ""


def redact(text: str) -> str:
    """Key Vault's text with anything token-like (a JWT or its parts) masked."""
    return mask(text, fragments=True, instead="<redacted>")


def first_line(text: str, limit_: int = 160) -> str:
    text = redact(text)
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit_ else line[: limit_ - 1] + "…"


def _unauthorized(ev: Evidence, lower: str) -> Cause:
    text = ev.text
    if "akv10022" in lower or "invalid audience" in lower:
        match = _FOUND.search(text)
        found = match.group(1).rstrip(".") if match else ""
        if found.endswith("/") and keyvault.audience_cloud(found.rstrip("/")):
            return Cause("KVL102", found)
        return Cause("KVL103", found)
    if "akv10032" in lower or "invalid issuer" in lower:
        match = _FOUND.search(text)
        return Cause("KVL106", match.group(1).rstrip(".") if match else "")
    if any(s in lower for s in ("tokenexpired", "token is expired", "token expired", "idx10223")):
        return Cause("KVL104")
    if "not yet valid" in lower or "idx10222" in lower:
        return Cause("KVL105")
    if (
        "akv10000" in lower
        or "missing a bearer" in lower
        or (not text and ev.authenticated is False)
    ):
        return Cause("KVL101")
    return Cause("KVL109", first_line(text) or "401")


def _forbidden(ev: Evidence, lower: str) -> Cause | None:
    text = ev.text
    # Key Vault's words first, in its own order of gates; the record's flags only when silent.
    if "public network access is disabled" in lower or "forbiddenbyconnection" in lower:
        return Cause("KVL202", _address_in(text) or ev.ip)
    if (
        "caller is not a trusted service" in lower
        or ("client address" in lower and "is not authorized" in lower)
        or "forbiddenbyfirewall" in lower
    ):
        return Cause("KVL201", _address_in(text) or ev.ip)
    if (
        "caller is not authorized to perform action" in lower
        or "forbiddenbyrbac" in lower
        or "not allowed by rbac" in lower
    ):
        match = _ACTION.search(text)
        return Cause("KVL302", match.group(1) if match else data_action(ev.operation) or "")
    if (
        "permission on key vault" in lower
        or "not found on any access policy" in lower
        or "accessdenied" in lower
    ):
        return _access_policy(ev, text)
    if ev.address_authorized is False:
        return Cause("KVL201", ev.ip)
    if ev.rbac_authorized is False:
        return Cause("KVL302", data_action(ev.operation) or "")
    if ev.access_policy_match is False:
        return _access_policy(ev, text)
    return None


def _access_policy(ev: Evidence, text: str) -> Cause:
    match = _PERMISSION.search(text)
    if match:
        return Cause("KVL301", f"{match.group(1).lower()}/{match.group(2).lower()}")
    perm = permission(ev.operation)
    return Cause("KVL301", f"{perm[0]}/{perm[1]}" if perm else "")


def _address_in(text: str) -> str:
    match = _CLIENT_ADDRESS.search(text)
    return match.group(1).rstrip(".") if match else ""


def refusal(ev: Evidence) -> Cause | None:
    """The cause of a 401 or 403; None for other statuses and for 403s nothing explains."""
    lower = ev.text.lower()
    if ev.status == 401:
        return _unauthorized(ev, lower)
    if ev.status == 403:
        return _forbidden(ev, lower)
    return None


def caller_from_text(text: str) -> dict[str, str]:
    """``Caller: appid=…;oid=…;iss=…`` (in 403 texts) -> {"appid": …, "oid": …, "tenant": …}."""
    found: dict[str, str] = {}
    for key, value in _CALLER_PARTS.findall(text):
        key = key.lower()
        if key in ("iss", "tid"):
            guid = _GUID.search(value)
            if guid:
                found.setdefault("tenant", guid.group(0).lower())
        elif _GUID.fullmatch(value):
            found.setdefault(key, value.lower())
    return found


def expected_issuers(text: str) -> str:
    match = _EXPECTED_ISSUER.search(text)
    return match.group(1).strip() if match else ""


def assignment(text: str) -> str:
    match = _ASSIGNMENT.search(text)
    return match.group(1).strip() if match else ""


def ip_rule_for(address: str) -> str:
    """The IP rule that would admit a refused address (``203.0.113.7/32``), or why none can."""
    try:
        ip = ip_address(address)
    except ValueError:
        return f"{address} (not an address Key Vault's IP rules can name)"
    if ip.version != 4:
        return f"{address} (IPv6: Key Vault IP rules are IPv4 only; use a private endpoint)"
    kind = non_public_kind(IPv4Network(address))
    if kind:
        return (
            f"{address} is {kind} space: no IP rule matches it (Key Vault sees private addresses "
            "only through a private endpoint or a virtual-network rule for the caller's subnet)"
        )
    return f"{address}/32"
