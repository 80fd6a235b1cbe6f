"""``kvlint audit --format table``: the terminal report."""

from __future__ import annotations

from kvlint.audit.model import AuditResult
from kvlint.report import table
from kvlint.report.audit_summary import ordered, reach_line, resource, summary


def render(result: AuditResult, width: int) -> str:
    found = ordered(result.findings)
    rows: list[tuple[str, ...]]
    if any(f.location for f in found):  # infrastructure code: where to fix it
        rows = [
            (
                f"{f.path}:{f.line}" if f.location else "",
                resource(f).name,
                f.code,
                f.severity,
                f.message,
            )
            for f in found
        ]
        out = table.render(("LOCATION", "VAULT", "CODE", "SEVERITY", "MESSAGE"), rows, width)
    else:
        rows = [(resource(f).name, f.code, f.severity, f.message) for f in found]
        out = table.render(("VAULT", "CODE", "SEVERITY", "MESSAGE"), rows, width)
    if result.errors:
        out += ("\n" if out else "") + "read errors:\n"
        out += table.render(
            ("SCOPE", "ERROR"), [(e.scope, e.message) for e in result.errors], width
        )
    line = reach_line(result.reachability)
    if line:
        out += ("\n" if out else "") + line + "\n"
    return out + ("\n" if out else "") + summary(result) + "\n"
