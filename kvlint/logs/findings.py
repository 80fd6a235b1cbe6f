"""The one place ``kvlint logs`` findings are built (code, severity from the catalogue, message).

Until the project-wide ``kvlint.findings`` lands, this module holds the logs face's finding type;
switching to the shared one is an edit here only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from kvlint import catalog

RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass
class LogFinding:
    code: str
    severity: str
    vault: str
    vault_id: str
    message: str
    first: float | None = None  # epoch seconds of the first and last request it rests on
    last: float | None = None
    requests: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    config: str | None = None  # "still refused today" / "already fixed" / "not verified" (--input)
    config_note: str = ""

    @property
    def name(self) -> str:
        return catalog.entry(self.code).name

    @property
    def fingerprint(self) -> str:
        basis = "|".join([self.code, self.vault_id or self.vault, str(self.details.get("key", ""))])
        return hashlib.sha256(basis.encode()).hexdigest()[:32]

    def as_dict(self) -> dict[str, Any]:
        from kvlint.logs.analyze import iso

        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "vault": self.vault,
            "id": self.vault_id,
            "message": self.message,
            "requests": self.requests,
            "first": iso(self.first) if self.first is not None else None,
            "last": iso(self.last) if self.last is not None else None,
            "configuration": self.config,
            "configuration_note": self.config_note or None,
            "details": {k: v for k, v in self.details.items() if k != "key"},
            "fingerprint": self.fingerprint,
        }


def build(
    code: str,
    vault: str,
    vault_id: str,
    message: str,
    *,
    requests: int = 0,
    first: float | None = None,
    last: float | None = None,
    **details: Any,
) -> LogFinding:
    return LogFinding(
        code=code,
        severity=catalog.entry(code).severity,
        vault=vault,
        vault_id=vault_id,
        message=message,
        first=first,
        last=last,
        requests=requests,
        details=details,
    )
