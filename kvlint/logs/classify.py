"""The logs face's view of the shared refusal model (:mod:`kvlint.causes`) and of throttling.

:func:`classify` turns an AuditEvent :class:`~kvlint.logs.records.Record` into the
:class:`~kvlint.causes.Evidence` the shared classifier reads, so ``kvlint logs`` and
``kvlint explain`` give one text one meaning. The operation tables and Key Vault's throttling
classes (which limit an operation counts against) live here.
"""

from __future__ import annotations

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
