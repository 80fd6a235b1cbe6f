"""``kvlint audit --format json``."""

from __future__ import annotations

import json

from kvlint.audit.model import AuditResult
from kvlint.report.audit_summary import ordered


def render(result: AuditResult) -> str:
    document = {
        "findings": [f.as_dict() for f in ordered(result.findings)],
        "errors": [e.as_dict() for e in result.errors],
        "vaults_audited": result.vaults_audited,
    }
    return json.dumps(document, indent=2) + "\n"
