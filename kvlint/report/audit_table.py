"""``kvlint audit --format table``: the terminal report."""

from __future__ import annotations

from kvlint.audit.model import AuditResult
from kvlint.report import table
from kvlint.report.audit_summary import ordered, reach_line, summary


def render(result: AuditResult, width: int) -> str:
    rows = [(f.vault, f.code, f.severity, f.message) for f in ordered(result.findings)]
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
