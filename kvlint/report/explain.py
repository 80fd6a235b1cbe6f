"""``kvlint explain``'s output: text (the default), json and markdown.

Every value that came from the paste is shown with its control characters escaped (a pasted
ESC or BEL never reaches the terminal) and, in markdown, with markup characters escaped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from kvlint import __version__
from kvlint.explain import Report
from kvlint.explain.model import Explanation

FORMATS = ("text", "json", "markdown")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKUP = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def clean(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``); newlines and tabs as spaces."""
    text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def md(text: str) -> str:
    return _MARKUP.sub(r"\\\1", clean(text))


def _identity(item: Explanation) -> str:
    who = item.identity
    parts = []
    if who.get("object_id"):
        parts.append(f"object id {who['object_id']}")
    if who.get("app_id"):
        parts.append(f"app id {who['app_id']}")
    if who.get("tenant"):
        parts.append(f"tenant {who['tenant']}")
    line = ", ".join(parts)
    if who.get("kind"):
        line += f" — {who['kind']}" if line else who["kind"]
    return line


def _missing(item: Explanation) -> list[str]:
    labels = {
        "action": "data action",
        "role": "least-privileged built-in role",
        "access_policy_permission": "access-policy permission",
        "role_if_migrating_to_rbac": "built-in role (Azure RBAC vaults)",
        "access_policy_equivalent": "access-policy permission (access-policy vaults)",
        "audience": "audience",
        "tenant": "tenant",
        "scope": "scope",
        "federated_credential": "federated credential",
    }
    return [f"{labels.get(k, k)}: {v}" for k, v in item.missing.items() if v]


def _details(item: Explanation) -> Iterator[tuple[str, str]]:
    """What an explanation says beyond its message, in the order every format shows it: each a
    label (with its separator) and the value, which the format escapes."""
    if item.quote:
        yield "Key Vault / Entra said: ", item.quote
    who = _identity(item)
    if who:
        yield "identity: ", who
    for entry in _missing(item):
        yield "missing ", entry
    if item.address:
        yield "refused address: ", item.address
    if item.rule:
        yield "rule that would admit it: ", item.rule
    if item.propagation:
        yield "propagation: ", item.propagation
    for note in item.notes:
        yield "note: ", note


def _summary(report: Report) -> str:
    n = len(report.explanations)
    read = ", ".join(report.facts.shapes) or "plain text"
    return f"read as: {read}; {n} explanation{'s' if n != 1 else ''}"


def render_text(report: Report) -> str:
    lines = [clean(_summary(report))]
    for item in report.explanations:
        vault = item.finding.resource.name if item.finding.resource else ""
        lines += [
            "",
            f"{item.code} {item.finding.name} [{item.gate} gate]"
            + (f" vault {clean(vault)}" if vault else ""),
        ]
        lines.append(f"  {clean(item.finding.message)}")
        lines += [f"  {label}{clean(value)}" for label, value in _details(item)]
        for fix in item.fixes:
            lines.append(f"  fix: {clean(fix.text)}")
            if fix.note:
                lines.append(f"       ({clean(fix.note)})")
            if fix.widens:
                lines.append(f"       caveat, widens access: {clean(fix.widens)}")
        if item.config:
            lines.append(f"  configuration: {item.config}: {clean(item.config_note)}")
    if report.missing:
        lines += ["", "to say more, the paste lacks:"]
        lines += [f"  - {clean(m)}" for m in report.missing]
    for error in report.config_errors:
        lines.append(f"configuration input: {clean(error)}")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    facts = report.facts
    doc = {
        "tool": {"name": "kvlint", "version": __version__},
        "source": report.source,
        "read_as": facts.shapes,
        "status": facts.status,
        "error_code": facts.code or None,
        "inner_error_code": facts.inner or None,
        "vault": facts.vault or None,
        "retry_after_seconds": int(facts.retry_after) if facts.retry_after else None,
        "service_version": facts.service_version or None,
        "challenge": {
            "authorization": facts.challenge_authority,
            "resource": facts.challenge_resource,
        }
        if facts.challenge_authority
        else None,
        "client_address": facts.address or None,
        "explanations": [item.as_dict() for item in report.explanations],
        "missing": report.missing,
        "vaults_checked": report.vaults_checked,
        "configuration_errors": report.config_errors,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_markdown(report: Report) -> str:
    lines = ["# kvlint explain", "", md(_summary(report))]
    for item in report.explanations:
        lines += ["", f"## {item.code} {item.finding.name} ({item.gate} gate)", ""]
        lines.append(md(item.finding.message))
        lines.append("")
        lines += [f"- {label[:1].upper()}{label[1:]}{md(value)}" for label, value in _details(item)]
        if item.config:
            lines.append(f"- Configuration: {item.config}: {md(item.config_note)}")
        for fix in item.fixes:
            command = clean(fix.text)
            fence = "`" * max(3, max(map(len, re.findall(r"`+", command)), default=0) + 1)
            lines += ["", f"{fence}sh", command, fence]
            if fix.note:
                lines.append(md(fix.note))
            if fix.widens:
                lines.append(f"**Widens access:** {md(fix.widens)}")
    if report.missing:
        lines += ["", "## What the paste lacks", ""]
        lines += [f"- {md(m)}" for m in report.missing]
    return "\n".join(lines) + "\n"


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report)
