"""``kvlint audit --format markdown``: a review document, worst vault first."""

from __future__ import annotations

from kvlint import catalog
from kvlint.audit.model import AuditResult
from kvlint.findings import Finding
from kvlint.report import markdown
from kvlint.report.audit_summary import RANK, ordered, reach_line, resource, summary
from kvlint.report.escape import markdown_code, markdown_text


def render(result: AuditResult) -> str:
    parts = ["# Key Vault audit", "", summary(result) + ".", ""]
    line = reach_line(result.reachability)
    if line:
        parts += [line[0].upper() + line[1:] + ".", ""]
    by_vault: dict[str, list[Finding]] = {}
    for item in ordered(result.findings):
        by_vault.setdefault(resource(item).id, []).append(item)
    worst = sorted(
        by_vault.values(),
        key=lambda fs: (-max(RANK[f.severity] for f in fs), resource(fs[0]).name.lower()),
    )
    for findings in worst:
        first = findings[0]
        where = resource(first)
        parts += [f"## {markdown_text(where.name)}", "", markdown_code(where.id), ""]
        rows = []
        for f in sorted(findings, key=lambda f: (-RANK[f.severity], f.code)):
            rule = catalog.get(f.code)
            code = markdown.Raw(f"[{f.code}]({rule.help_uri})") if rule.help_uri else f.code
            rows.append((code, rule.name, f.severity, f.message))
        parts.append(markdown.table(("code", "check", "severity", "message"), rows))
    if result.outcomes:
        parts += ["## Checks per vault", ""]
        asked = result.reachability is not None
        head = ("vault", "kind", "passed", "failed", "waived") + (("caller",) if asked else ())
        parts.append(
            markdown.table(
                head,
                [
                    (o.name, o.kind, o.passed, ", ".join(o.failed) or "0", ", ".join(o.waived))
                    + ((o.verdict or "",) if asked else ())
                    for o in sorted(result.outcomes, key=lambda o: (-len(o.failed), o.name))
                ],
            )
        )
    if result.waived:
        parts += ["## Waived", ""]
        parts.append(
            markdown.table(
                ("vault", "code", "reason"),
                [(resource(f).name, f.code, why) for f, why in result.waived],
            )
        )
    if result.errors:
        parts += ["## Read errors", ""]
        parts.append(
            markdown.table(
                ("scope", "status", "reason"),
                [
                    (markdown.Raw(markdown_code(e.scope)), e.status or "", e.message)
                    for e in result.errors
                ],
            )
        )
    return "\n".join(parts).rstrip("\n") + "\n"
