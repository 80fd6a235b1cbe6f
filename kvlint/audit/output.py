"""``kvlint audit`` output: table (terminal), markdown (review documents), json, sarif."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from kvlint import catalog
from kvlint.audit.model import AuditResult, Finding
from kvlint.report import markdown, sarif, table

RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass
class Reachability:
    """What was asked (--principal/--ip) and where the caller got in."""

    question: str
    allowed: list[str] = field(default_factory=list)


def ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (f.subscription.lower(), f.vault.lower(), f.id.lower(), f.code, f.message),
    )


def summary(result: AuditResult) -> str:
    counts = Counter(f.severity for f in result.findings)
    plural = "" if result.vaults_audited == 1 else "s"
    subs = len(result.subscriptions)
    text = f"{result.vaults_audited} vault{plural} audited"
    if subs:
        text += f" in {subs} subscription{'' if subs == 1 else 's'}"
    parts = [
        f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
        for s in ("error", "warning", "info")
        if counts[s]
    ]
    text += ": " + (", ".join(parts) if parts else "no findings")
    if result.waived:
        text += f"; {len(result.waived)} waived"
    if result.errors:
        text += f"; {len(result.errors)} read error{'s' if len(result.errors) != 1 else ''}"
    return text


def _reach_line(reach: Reachability | None) -> str | None:
    if reach is None:
        return None
    allowed = ", ".join(sorted(reach.allowed, key=str.lower)) if reach.allowed else "no vault"
    return f"reachability of {reach.question}: allowed on {allowed}"


def render_table(result: AuditResult, reach: Reachability | None, width: int) -> str:
    rows = [(f.vault, f.code, f.severity, f.message) for f in ordered(result.findings)]
    out = table.render(("VAULT", "CODE", "SEVERITY", "MESSAGE"), rows, width)
    if result.errors:
        out += ("\n" if out else "") + "read errors:\n"
        out += table.render(
            ("SCOPE", "ERROR"), [(e.scope, e.message) for e in result.errors], width
        )
    line = _reach_line(reach)
    if line:
        out += ("\n" if out else "") + line + "\n"
    return out + ("\n" if out else "") + summary(result) + "\n"


def render_markdown(result: AuditResult, reach: Reachability | None) -> str:
    parts = ["# Key Vault audit", "", summary(result) + ".", ""]
    line = _reach_line(reach)
    if line:
        parts += [line[0].upper() + line[1:] + ".", ""]
    by_vault: dict[str, list[Finding]] = {}
    for item in ordered(result.findings):
        by_vault.setdefault(item.id, []).append(item)
    worst = sorted(
        by_vault.values(), key=lambda fs: (-max(RANK[f.severity] for f in fs), fs[0].vault.lower())
    )
    for findings in worst:
        first = findings[0]
        parts += [f"## {first.vault}", "", f"`{first.id}`", ""]
        rows = []
        for f in sorted(findings, key=lambda f: (-RANK[f.severity], f.code)):
            rule = catalog.get(f.code)
            code = f"[{f.code}]({rule.help_uri})" if rule.help_uri else f.code
            rows.append((code, rule.name, f.severity, f.message))
        parts.append(markdown.table(("code", "check", "severity", "message"), rows))
    if result.waived:
        parts += ["## Waived", ""]
        parts.append(
            markdown.table(
                ("vault", "code", "reason"), [(f.vault, f.code, why) for f, why in result.waived]
            )
        )
    if result.errors:
        parts += ["## Read errors", ""]
        parts.append(
            markdown.table(
                ("scope", "status", "reason"),
                [(f"`{e.scope}`", e.status or "", e.message) for e in result.errors],
            )
        )
    return "\n".join(parts).rstrip("\n") + "\n"


def render_json(result: AuditResult) -> str:
    document = {
        "findings": [f.as_dict() for f in ordered(result.findings)],
        "errors": [e.as_dict() for e in result.errors],
        "vaults_audited": result.vaults_audited,
    }
    return json.dumps(document, indent=2) + "\n"


def render_sarif(result: AuditResult) -> str:
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
