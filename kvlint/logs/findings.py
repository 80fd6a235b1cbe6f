"""The one place ``kvlint logs`` findings are built.

Each is the project's one :class:`kvlint.findings.Finding` (code, catalogue name and severity,
message, the vault as its :class:`~kvlint.findings.Resource`, a stable subject for fingerprints)
plus the log evidence it rests on: how many requests, when, structured details for JSON and
charts, and (with ``--input``) what today's configuration says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kvlint.audit.model import id_parts
from kvlint.findings import Finding, Resource
from kvlint.logs.records import iso

RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass
class LogFinding:
    finding: Finding
    first: float | None = None  # epoch seconds of the first and last request it rests on
    last: float | None = None
    requests: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    config: str | None = None  # "still refused today" / "already fixed" / "not verified" (--input)
    config_note: str = ""

    @property
    def code(self) -> str:
        return self.finding.code

    @property
    def name(self) -> str:
        return self.finding.name

    @property
    def severity(self) -> str:
        return self.finding.severity

    @property
    def message(self) -> str:
        return self.finding.message

    @property
    def vault(self) -> str:
        return self.finding.resource.name if self.finding.resource else ""

    @property
    def vault_id(self) -> str:
        return self.finding.resource.id if self.finding.resource else ""

    def as_dict(self, fingerprint: str = "") -> dict[str, Any]:
        return {
            **self.finding.as_dict(),
            "name": self.name,
            "requests": self.requests,
            "first": iso(self.first) if self.first is not None else None,
            "last": iso(self.last) if self.last is not None else None,
            "configuration": self.config,
            "configuration_note": self.config_note or None,
            "details": self.details,
            "fingerprint": fingerprint,
        }


def build(
    code: str,
    vault: str,
    vault_id: str,
    message: str,
    *,
    key: str = "",
    requests: int = 0,
    first: float | None = None,
    last: float | None = None,
    **details: Any,
) -> LogFinding:
    """A finding about ``vault``; ``key`` (the caller, the class …) makes its fingerprint stable."""
    resource = Resource(vault, vault_id or vault, id_parts(vault_id)[0] if vault_id else "")
    return LogFinding(
        Finding.of(code, message, resource=resource, subject=key),
        first=first,
        last=last,
        requests=requests,
        details=details,
    )
