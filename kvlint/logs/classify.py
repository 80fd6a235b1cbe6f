"""The logs face's view of the shared refusal model (:mod:`kvlint.causes`) and of throttling.

:func:`classify` turns an AuditEvent :class:`~kvlint.logs.records.Record` into the
:class:`~kvlint.causes.Evidence` the shared classifier reads, so ``kvlint logs`` and
``kvlint explain`` give one text one meaning. The operation tables and Key Vault's throttling
classes (which limit an operation counts against) live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from kvlint.causes import (
    Cause,
    Evidence,
    assignment,
    caller_from_text,
    data_action,
    expected_issuers,
    permission,
    redact,
    refusal,
)
from kvlint.logs.records import Record

__all__ = [
    "Cause",
    "assignment",
    "caller_from_text",
    "classify",
    "data_action",
    "expected_issuers",
    "permission",
    "redact",
]

# -- throttling classes --------------------------------------------------------------------------
#
# Key Vault service limits (https://learn.microsoft.com/azure/key-vault/general/service-limits),
# transactions per 10 seconds per vault per region: secrets, managed storage account keys and
# vault transactions 4,000, of which CREATE secret 300; key transactions by key type, size and
# protection (the table below), whose thresholds "are weighted, and enforcement is on their
# sum". A subscription-wide limit for all transaction types is five times the per-vault limit.
# The throttling guide (overview-throttling) adds that requests answered 429 do not count.

SECRET_CREATE = "secret-create"
SECRETS = "secrets"
KEY_CREATE = "key-create"
KEY_OTHER = "key-other"
SUBSCRIPTION_FACTOR = 5  # the subscription-wide limit: five times the per-vault limit

# operations that count against CREATE secret (300 per 10 s): importing a certificate or a key
# stores a secret too, so the three share the limit
SECRET_CREATIONS = frozenset({"SecretSet", "CertificateImport", "KeyImport"})


def operation_class(operation: str) -> str | None:
    """Which documented throttling limit a data-plane operation counts against (None: none)."""
    if operation.endswith("EventGridNotification"):
        return None
    if operation in SECRET_CREATIONS:
        return SECRET_CREATE
    if operation.startswith(("Secret", "Certificate")):
        return SECRETS
    if operation in ("KeyCreate", "KeyRotate"):
        return KEY_CREATE
    if operation.startswith("Key"):
        return KEY_OTHER
    return None  # VaultGet/VaultPut (ARM), Authentication, unknown


# The limits of the lightest key (software RSA 2,048-bit / EC) and of secrets: (software, HSM).
LIMITS: dict[str, tuple[int, int]] = {
    SECRET_CREATE: (300, 300),
    SECRETS: (4000, 4000),
    KEY_CREATE: (20, 10),
    KEY_OTHER: (4000, 2000),
}
CLASS_TEXT = {
    SECRET_CREATE: "secret creations (SecretSet, CertificateImport, KeyImport)",
    SECRETS: "secret and certificate transactions",
    KEY_CREATE: "key creations",
    KEY_OTHER: "key transactions",
}


def limit(cls: str, hsm: bool) -> int:
    """The per-vault limit of a class for the lightest key of that protection."""
    software, hardware = LIMITS[cls]
    return hardware if hsm else software


@dataclass(frozen=True, slots=True)
class KeyKind:
    """A key's throttling class: its "all other transactions" limit is ``4,000 / weight``."""

    code: str  # "rsa-2048", "rsa-4096-hsm", "ec", "ec-hsm"
    text: str  # "RSA 4,096-bit HSM keys"
    weight: int  # in software RSA 2,048-bit transactions (the table's 4,000 / this limit)
    hsm: bool
    assumed: str = ""  # what the log did not say and was assumed


# "All other transactions" per 10 s (service limits table): software / HSM.
_RSA = {2048: (4000, 2000), 3072: (1000, 500), 4096: (500, 250)}


def key_kind(key_type: str | None, size: int | None) -> KeyKind:
    """The class a key transaction is weighed in, from the log's keyProperties (type, size)."""
    kind = (key_type or "").strip().upper()
    hsm = kind.endswith("HSM")
    family = kind.removesuffix("-HSM").removesuffix("HSM").rstrip("-")
    protection = "HSM" if hsm else "software"
    suffix = "-hsm" if hsm else ""
    if family == "EC":
        weight = 2 if hsm else 1
        return KeyKind(f"ec{suffix}", f"EC {protection} keys", weight, hsm)
    assumed = ""
    if family != "RSA":
        assumed = (
            "key type not in the log (or one the limits table does not list): counted as RSA "
            "2,048-bit (the lightest)"
        )
        bits = 2048
    elif size is None:
        assumed = "key size not in the log: counted as RSA 2,048-bit (the lightest)"
        bits = 2048
    else:
        bits = 4096 if size >= 4096 else 3072 if size >= 3072 else 2048
    software, hardware = _RSA[bits]
    weight = 4000 // (hardware if hsm else software)
    code = f"rsa-{bits}{suffix}" if family == "RSA" else f"key{suffix}"
    code += "-assumed" if assumed else ""
    return KeyKind(code, f"RSA {bits:,}-bit {protection} keys", weight, hsm, assumed)


def weight(cls: str, kind: KeyKind | None) -> int:
    """What one transaction of ``cls`` costs against the class's software RSA 2,048 limit."""
    if kind is None:
        return 1
    if cls == KEY_OTHER:
        return kind.weight
    if cls == KEY_CREATE:
        return 2 if kind.hsm else 1  # CREATE key: 20 software, 10 HSM, whatever the size
    return 1


def kind_of(code: str) -> KeyKind:
    """A :class:`KeyKind` back from its code (the live path carries codes)."""
    hsm = "-hsm" in code
    key_type = "EC" if code.startswith("ec") else "RSA" if code.startswith("rsa") else ""
    key_type += "-HSM" if hsm and key_type else ""
    if code.endswith("-assumed"):
        return key_kind(key_type or ("-HSM" if hsm else ""), None)
    bits = int(code.split("-")[1]) if code.startswith("rsa") else None
    return key_kind(key_type, bits)


# -- causes --------------------------------------------------------------------------------------


def classify(record: Record) -> Cause | None:
    """The cause of a 401 or 403; None for other statuses and for 403s no text explains."""
    if record.status not in (401, 403):
        return None
    cause = refusal(
        Evidence(
            status=record.status,
            text=record.description or "",
            address_authorized=record.address_authorized,
            rbac_authorized=record.rbac_authorized,
            access_policy_match=record.access_policy_match,
            authenticated=record.authenticated,
            operation=record.operation or "",
            ip=record.ip or "",
        )
    )
    if cause is not None and cause.code == "KVL109" and cause.detail == "401" and record.signature:
        return Cause("KVL109", record.signature)
    return cause
