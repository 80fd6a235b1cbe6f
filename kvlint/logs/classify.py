"""Why Key Vault refused one request: its status, result text and flags -> a cause (a KVL code).

The texts are Key Vault's own (its REST error-code guide and the messages it returns):

- 401 ``AKV10000: Request is missing a Bearer or PoP token.`` (also the SDKs' normal challenge:
  the first request of a client carries no token, see :mod:`kvlint.logs.analyze`);
- 401 ``AKV10022: Invalid audience. Expected https://vault.azure.net, found: …``;
- 401 ``AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tenant}/, found …``;
- 401 ``[TokenExpired] Error validating token: 'S2S12086'`` / ``Token not yet valid``;
- 403 ``Client address is not authorized and caller is not a trusted service`` (ForbiddenByFirewall);
- 403 ``Public network access is disabled and request is not from a trusted service nor via an
  approved private link`` (ForbiddenByConnection);
- 403 ``Caller is not authorized to perform action on resource … Action: '…'`` (ForbiddenByRbac);
- 403 ``The user, group or application '…' does not have secrets get permission on key vault``
  / ``Caller was not found on any access policy`` (access policies).

A 403 whose text and flags say none of these stays unclassified (counted, never guessed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kvlint import keyvault
from kvlint.audit.reach import DATA_ACTION_PREFIX, DATA_ACTIONS
from kvlint.logs.records import Record
from kvlint.redact import mask

_FOUND = re.compile(r"found:?\s*'?([^\s',]+)", re.I)
_EXPECTED_ISSUER = re.compile(r"expected one of\s+(.+?),?\s+found", re.I)
_CLIENT_ADDRESS = re.compile(r"client address:?\s*\(?([0-9a-fA-F.:]+)", re.I)
_ACTION = re.compile(r"action:\s*'?([A-Za-z0-9./_-]+)'?", re.I)
_ASSIGNMENT = re.compile(r"assignment:\s*([^\r\n]+?)(?:\s+denyassignmentid|\r|\n|$)", re.I)
_PERMISSION = re.compile(r"does not have (\w+) (\w+) permission", re.I)
_CALLER_PARTS = re.compile(r"\b(appid|oid|iss|tid)=([^;'\s\\]+)", re.I)
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


# -- throttling classes --------------------------------------------------------------------------

SECRET_CREATE = "secret-create"
SECRETS = "secrets"
KEY_CREATE = "key-create"
KEY_OTHER = "key-other"


def operation_class(operation: str) -> str | None:
    """Which documented throttling limit a data-plane operation counts against (None: none)."""
    if operation.endswith("EventGridNotification"):
        return None
    if operation == "SecretSet":
        return SECRET_CREATE
    if operation.startswith(("Secret", "Certificate")):
        return SECRETS
    if operation in ("KeyCreate", "KeyRotate"):
        return KEY_CREATE
    if operation.startswith("Key"):
        return KEY_OTHER
    return None  # VaultGet/VaultPut (ARM), Authentication, unknown


# Transactions per 10 seconds per vault per region (Key Vault service limits): (software, HSM).
LIMITS: dict[str, tuple[int, int]] = {
    SECRET_CREATE: (300, 300),
    SECRETS: (4000, 4000),
    KEY_CREATE: (20, 10),
    KEY_OTHER: (4000, 2000),
}
CLASS_TEXT = {
    SECRET_CREATE: "secret creations (SecretSet)",
    SECRETS: "secret and certificate transactions",
    KEY_CREATE: "key creations",
    KEY_OTHER: "key transactions (RSA 2,048-bit / EC)",
}


def limit(cls: str, hsm: bool) -> int:
    software, hardware = LIMITS[cls]
    return hardware if hsm else software


# -- causes --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cause:
    code: str
    detail: str = ""  # the audience found, the permission or data action, the client address


def redact(text: str) -> str:
    """Key Vault's text with anything token-like (a JWT or its parts) masked."""
    return mask(text, fragments=True, instead="<redacted>")


def _first_line(text: str, limit_: int = 160) -> str:
    text = redact(text)
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit_ else line[: limit_ - 1] + "…"


def _unauthorized(record: Record, text: str, lower: str) -> Cause:
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
        or (not text and not record.authenticated)
    ):
        return Cause("KVL101")
    return Cause("KVL109", _first_line(text) or record.signature or "401")


def _forbidden(record: Record, text: str, lower: str) -> Cause | None:
    if (
        "caller is not a trusted service" in lower
        or ("client address" in lower and "is not authorized" in lower)
        or "forbiddenbyfirewall" in lower
        or record.address_authorized is False
    ):
        match = _CLIENT_ADDRESS.search(text)
        return Cause("KVL201", match.group(1).rstrip(".") if match else record.ip or "")
    if "public network access is disabled" in lower or "forbiddenbyconnection" in lower:
        return Cause("KVL202", record.ip or "")
    if (
        "caller is not authorized to perform action" in lower
        or "forbiddenbyrbac" in lower
        or record.rbac_authorized is False
    ):
        match = _ACTION.search(text)
        return Cause("KVL302", match.group(1) if match else data_action(record.operation) or "")
    if (
        "permission on key vault" in lower
        or "not found on any access policy" in lower
        or "accessdenied" in lower
        or record.access_policy_match is False
    ):
        match = _PERMISSION.search(text)
        if match:
            return Cause("KVL301", f"{match.group(1).lower()}/{match.group(2).lower()}")
        perm = permission(record.operation)
        return Cause("KVL301", f"{perm[0]}/{perm[1]}" if perm else "")
    return None


def classify(record: Record) -> Cause | None:
    """The cause of a 401 or 403; None for other statuses and for 403s no text explains."""
    if record.status not in (401, 403):
        return None
    text = record.description or ""
    lower = text.lower()
    if record.status == 401:
        return _unauthorized(record, text, lower)
    return _forbidden(record, text, lower)


def caller_from_text(text: str) -> dict[str, str]:
    """``Caller: appid=…;oid=…;iss=…`` (in 403 texts) -> {"appid": …, "oid": …, "tenant": …}."""
    found: dict[str, str] = {}
    for key, value in _CALLER_PARTS.findall(text):
        key = key.lower()
        if key == "iss":
            guid = _GUID.search(value)
            if guid:
                found["tenant"] = guid.group(0).lower()
        elif _GUID.fullmatch(value):
            found.setdefault(key, value.lower())
    return found


def expected_issuers(text: str) -> str:
    match = _EXPECTED_ISSUER.search(text)
    return match.group(1).strip() if match else ""


def assignment(text: str) -> str:
    match = _ASSIGNMENT.search(text)
    return match.group(1).strip() if match else ""
