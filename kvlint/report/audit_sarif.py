"""``kvlint audit --format sarif``: one result per finding, read errors as notifications."""

from __future__ import annotations

import json

from kvlint import catalog
from kvlint.audit.model import AuditResult
from kvlint.report import sarif
from kvlint.report.audit_summary import ordered


def render(result: AuditResult) -> str:
    results = [
        {
            "ruleId": f.code,
            "level": sarif.LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "logicalLocations": [
                        {"name": f.vault, "fullyQualifiedName": f.id, "kind": "resource"}
                    ]
                }
            ],
            "properties": {"subscription": f.subscription},
        }
        for f in ordered(result.findings)
    ]
    notifications = [
        {"level": "error", "message": {"text": f"{e.scope}: {e.message}"}} for e in result.errors
    ]
    document = sarif.log(
        results,
        catalog.codes("audit"),
        invocation_ok=not result.errors,
        notifications=notifications,
    )
    return json.dumps(document, indent=2) + "\n"
