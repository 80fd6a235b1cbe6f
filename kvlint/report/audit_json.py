"""``kvlint audit --format json``."""

from __future__ import annotations

import json

from kvlint import catalog
from kvlint.audit.model import AuditResult
from kvlint.findings import Finding
from kvlint.report.audit_summary import ordered


def _finding(f: Finding) -> dict:
    found = f.as_dict()
    marks = [b.tag for b in catalog.get(f.code).benchmarks]
    if marks:
        found["benchmarks"] = marks
    return found


def render(result: AuditResult) -> str:
    document = {
        "findings": [_finding(f) for f in ordered(result.findings)],
        "errors": [e.as_dict() for e in result.errors],
        "vaults_audited": result.vaults_audited,
        "waived": [
            {**_finding(f), "reason": reason} for f, reason in ordered_waived(result.waived)
        ],
        "vaults": [o.as_dict() for o in result.outcomes],
    }
    if result.reachability is not None:
        document["reachability"] = result.reachability.as_dict()
    if result.hidden:
        document["below_severity"] = result.hidden
    return json.dumps(document, indent=2) + "\n"


def ordered_waived(waived: list[tuple[Finding, str]]) -> list[tuple[Finding, str]]:
    reasons = {id(f): reason for f, reason in waived}
    return [(f, reasons[id(f)]) for f in ordered([f for f, _ in waived])]
