"""``kvlint logs`` output: table (terminal), json, markdown (with Mermaid charts), sarif."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from kvlint import catalog
from kvlint.audit.model import counted
from kvlint.findings import fingerprints
from kvlint.report import markdown, sarif, table
from kvlint.report.escape import markdown_code, markdown_text, one_line

if TYPE_CHECKING:
    from kvlint.logs.findings import LogFinding
    from kvlint.logs.service import LogsReport

FORMATS = ("table", "json", "markdown", "sarif")
RANK = {"info": 0, "warning": 1, "error": 2}


def _iso(epoch: float | None) -> str:
    from kvlint.logs.records import iso

    return iso(epoch) if epoch is not None else "-"


def ordered(found: list[LogFinding]) -> list[LogFinding]:
    return sorted(found, key=lambda f: (f.vault, -RANK[f.severity], f.code, f.message))


def summary(report: LogsReport) -> str:
    counts = Counter(f.severity for f in report.findings)
    parts = [
        f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
        for s in ("error", "warning", "info")
        if counts[s]
    ]
    vaults = len({f.vault for f in report.findings})
    text = f"{report.records:,} request{'s' if report.records != 1 else ''} read"
    if report.first is not None:
        text += f" ({_iso(report.first)} to {_iso(report.last)})"
    text += ": " + (
        ", ".join(parts) + f" on {counted(vaults, 'vault')}" if parts else "no findings"
    )
    if report.challenges:
        text += f"; {counted(report.challenges, 'normal SDK challenge 401')} not reported"
    if report.unclassified:
        text += f"; {counted(report.unclassified, 'refusal')} with no logged reason"
    if report.intake.bad:
        text += f"; {counted(report.intake.bad, 'unreadable record')} skipped"
    return text


def _message(f: LogFinding) -> str:
    if f.config:
        return f"{f.message} [{f.config}: {f.config_note}]"
    return f.message


def _problems(report: LogsReport) -> list[tuple[str, str, str]]:
    return [(p.source, str(p.line), p.reason) for p in report.intake.problems]


def render_table(report: LogsReport, width: int) -> str:
    rows = [(f.vault, f.code, f.severity, _message(f)) for f in ordered(report.findings)]
    out = table.render(("VAULT", "CODE", "SEVERITY", "MESSAGE"), rows, width)
    if report.intake.bad:
        out += ("\n" if out else "") + (
            f"skipped {counted(report.intake.bad, 'unreadable record')}; the first ones:\n"
        )
        out += table.render(("FILE", "LINE", "REASON"), _problems(report), width)
    for error in report.config_errors:
        out += f"vaults file: {error}\n"
    return out + ("\n" if out else "") + summary(report) + "\n"


def _fingerprinted(report: LogsReport) -> list[tuple[LogFinding, str]]:
    found = ordered(report.findings)
    return list(zip(found, fingerprints([f.finding for f in found]), strict=True))


def render_json(report: LogsReport) -> str:
    document = {
        "findings": [f.as_dict(fingerprint) for f, fingerprint in _fingerprinted(report)],
        "input": {
            "source": report.source,
            "files": report.intake.files,
            "records": report.records,
            "first": _iso(report.first) if report.first is not None else None,
            "last": _iso(report.last) if report.last is not None else None,
            "statuses": {str(k): v for k, v in report.statuses.items()},
            "skipped": report.intake.bad,
            "skipped_reasons": dict(report.intake.reasons),
            "problems": [
                {"file": p.source, "line": p.line, "reason": p.reason}
                for p in report.intake.problems
            ],
            "sdk_challenges": report.challenges,
            "unclassified_refusals": report.unclassified,
        },
        "vaults_checked": report.vaults_checked,
        "configuration_errors": report.config_errors,
    }
    return json.dumps(document, indent=2) + "\n"


def chart(f: LogFinding) -> str:
    """A Mermaid xychart: requests per 10 s around the peak window, and the limit as a line."""
    rows = f.details.get("series") or []
    if not rows:
        return ""
    limit = int(f.details["limit"])
    labels = [r[0][11:19] for r in rows]  # categories must be distinct: every window is named
    top = max([limit, *(r[1] for r in rows)])
    what = str(f.details.get("class", "requests"))
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f'    title "{_mermaid(f.vault)}: {what} per 10 s around the peak ({rows[0][0][:10]}, UTC)"',
            "    x-axis [" + ", ".join(f'"{label}"' for label in labels) + "]",
            f'    y-axis "requests per 10 s" 0 --> {int(top * 1.1) + 1}',
            "    bar [" + ", ".join(str(r[1]) for r in rows) + "]",
            "    line [" + ", ".join(str(limit) for _ in rows) + "]",
            "```",
            "",
            f"Bars: requests per 10-second window; line: the documented limit ({limit:,}).",
            "",
        ]
    )


def _mermaid(text: str) -> str:
    """A name inside a quoted Mermaid label in a fenced block: one line, no quote, no fence."""
    return one_line(text).replace('"', "'").replace("`", "'")


def render_markdown(report: LogsReport) -> str:
    parts = ["# Key Vault audit-log diagnosis", "", summary(report) + ".", ""]
    by_vault: dict[str, list[LogFinding]] = {}
    for f in ordered(report.findings):
        by_vault.setdefault(f.vault, []).append(f)
    for vault, items in sorted(
        by_vault.items(), key=lambda kv: (-max(RANK[f.severity] for f in kv[1]), kv[0])
    ):
        parts += [f"## {markdown_text(vault)}", ""]
        if items[0].vault_id:
            parts += [markdown_code(items[0].vault_id), ""]
        rows = []
        for f in items:
            rule = catalog.get(f.code)
            code = markdown.Raw(f"[{f.code}]({rule.help_uri})") if rule.help_uri else f.code
            rows.append((code, rule.name, f.severity, _message(f)))
        parts.append(markdown.table(("code", "finding", "severity", "message"), rows))
        for f in items:
            if f.code in ("KVL401", "KVL402"):
                parts += [chart(f)]
    if report.intake.bad:
        parts += ["## Skipped input", ""]
        parts.append(
            f"{counted(report.intake.bad, 'record')} could not be read; the first ones:\n\n"
            + markdown.table(("file", "line", "reason"), _problems(report))
        )
    return "\n".join(parts).rstrip("\n") + "\n"


def render_sarif(report: LogsReport) -> str:
    results = []
    for f, fingerprint in _fingerprinted(report):
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": sarif.LEVELS[f.severity],
            "message": {"text": _message(f)},
            "locations": [
                {
                    "logicalLocations": [
                        {
                            "name": f.vault,
                            "fullyQualifiedName": f.vault_id or f.vault,
                            "kind": "resource",
                        }
                    ]
                }
            ],
            "partialFingerprints": {"kvlint/v1": fingerprint},
            "properties": {
                "requests": f.requests,
                "first": _iso(f.first) if f.first is not None else None,
                "last": _iso(f.last) if f.last is not None else None,
            },
        }
        if f.config:
            result["properties"]["configuration"] = f.config
        results.append(result)
    notifications = [
        {"level": "warning", "message": {"text": f"{p.source}:{p.line}: {p.reason}"}}
        for p in report.intake.problems
    ]
    document = sarif.log(results, catalog.codes("logs"), notifications=notifications)
    return json.dumps(document, indent=2) + "\n"


def render(report: LogsReport, fmt: str, width: int = 120) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "sarif":
        return render_sarif(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_table(report, width)
