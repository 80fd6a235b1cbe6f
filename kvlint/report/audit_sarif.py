"""``kvlint audit --format sarif``: one result per finding, read errors as notifications."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from kvlint import catalog
from kvlint.audit.model import AuditResult
from kvlint.findings import Finding
from kvlint.report import sarif
from kvlint.report.audit_summary import ordered, resource


def artifact_uri(file: str) -> str:
    """A repository-relative URI (what GitHub code scanning matches), else the path as given."""
    path = Path(file)
    with contextlib.suppress(ValueError, OSError):
        path = path.resolve().relative_to(Path.cwd().resolve())
    return path.as_posix()


def _location(f: Finding) -> dict:
    location: dict = {
        "logicalLocations": [
            {"name": resource(f).name, "fullyQualifiedName": resource(f).id, "kind": "resource"}
        ]
    }
    if f.location and f.path != "-":
        location["physicalLocation"] = {
            "artifactLocation": {"uri": artifact_uri(f.path)},
            "region": {"startLine": max(f.line, 1)},
        }
    return location


def render(result: AuditResult) -> str:
    results = [
        {
            "ruleId": f.code,
            "level": sarif.LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [_location(f)],
            "properties": {"subscription": resource(f).subscription},
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
