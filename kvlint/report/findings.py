"""``kvlint check`` output formats: text, json, sarif, github, junit (and those of
:mod:`kvlint.report.ci`: azure, gitlab, json-lines, pylint, grouped)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import PurePath

from kvlint.findings import Finding, fingerprints
from kvlint.report import ci, sarif
from kvlint.report.escape import one_line, printable
from kvlint.report.positions import InFile as _InFile

FORMATS = ("text", "json", "sarif", "github", "junit", *ci.CI_FORMATS)


def render(
    fmt: str, findings: list[Finding], enabled_codes: frozenset[str], severities: dict[str, str]
) -> str:
    if fmt == "json":
        return json.dumps([f.as_dict() for f in findings], indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif_log(findings, enabled_codes, severities), indent=2) + "\n"
    if fmt == "github":
        in_file = _InFile()
        return "".join(github_line(f, in_file) + "\n" for f in findings)
    if fmt == "junit":
        return junit(findings)
    if fmt in ci.CI_FORMATS:
        return ci.render(fmt, findings)
    return "".join(f"{one_line(f.label)}: {f.code} {one_line(f.message)}\n" for f in findings)


def statistics(findings: list[Finding], fmt: str = "text") -> str:
    """Counts per code, most frequent first; ``json`` as ruff prints it (code, name, count,
    fixable)."""
    counts = Counter((f.code, f.name) for f in findings)
    fixable = {f.code for f in findings if f.edits and f.fix_applicability == "safe"}
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if fmt == "json":
        items = [
            {"code": code, "name": name, "count": count, "fixable": code in fixable}
            for (code, name), count in rows
        ]
        return json.dumps(items, indent=2) + "\n"
    return "".join(
        f"{count:>5}  {code:<6} {'[*] ' if code in fixable else ''}{name}\n"
        for (code, name), count in rows
    )


def fixes_list(fixed: Counter[tuple[str, str]], findings: list[Finding], applied: bool) -> str:
    """``--show-fixes``: what ``--fix`` fixed (or, without it, could fix), per file and code."""
    if not applied:
        fixed = Counter(
            (f.path, f.code) for f in findings if f.edits and f.fix_applicability == "safe"
        )
    total = sum(fixed.values())
    if not total:
        return "No fixes applied.\n" if applied else "No fixes available.\n"
    noun = "finding" if total == 1 else "findings"
    lines = [f"{'Fixed' if applied else 'Would fix'} {total} {noun}:"]
    for path in sorted({path for path, _ in fixed}):
        lines.append(f"- {one_line(path)}:")
        for (where, code), count in sorted(fixed.items()):
            if where == path:
                lines.append(f"    {count} × {code} ({_name(code)})")  # noqa: RUF001 (as ruff)
    return "\n".join(lines) + "\n"


def _name(code: str) -> str:
    from kvlint import catalog

    return catalog.entry(code).name


def _uri(path: str) -> str:
    return PurePath(path).as_posix()


def _region(line: int, column: int, end_line: int, end_column: int) -> dict:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def sarif_log(
    findings: list[Finding], enabled_codes: frozenset[str], severities: dict[str, str]
) -> dict:
    results = []
    in_file = _InFile()
    for f, fingerprint in zip(findings, fingerprints(findings), strict=True):
        location: dict = {
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(f.path)},
                "region": _region(*in_file.span(f)),
            }
        }
        if f.cell:  # a notebook: the region is in the .ipynb file; the cell's place said too
            location["message"] = {"text": f"cell {f.cell}, line {f.line}"}
            location["properties"] = {"cell": f.cell, "cellLine": f.line, "cellColumn": f.column}
        result: dict = {
            "ruleId": f.code,
            "level": sarif.LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [location],
            "partialFingerprints": {"kvlint/v1": fingerprint},
        }
        if f.edits:
            result["fixes"] = [
                {
                    "description": {"text": f"{f.fix_applicability} fix for {f.code}"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": _uri(f.path)},
                            "replacements": [
                                {
                                    "deletedRegion": _region(*in_file.edit_span(f, e)),
                                    "insertedContent": {"text": e.content},
                                }
                                for e in f.edits
                            ],
                        }
                    ],
                }
            ]
        results.append(result)
    log = sarif.log(results, enabled_codes, severities)
    log["runs"][0]["columnKind"] = "unicodeCodePoints"
    return log


def _escape_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def github_line(f: Finding, in_file: _InFile | None = None) -> str:
    """A workflow command; a notebook's finding points into the ``.ipynb`` file (the lines
    GitHub annotates) and its message says the cell and line."""
    line, column, end_line, end_column = (in_file or _InFile()).span(f)
    message = f"{f.code} {f.message}"
    if f.cell:
        message = f"{f.code} (cell {f.cell}, line {f.line}) {f.message}"
    props = ",".join(
        [
            f"file={_escape_property(f.path)}",
            f"line={line}",
            f"col={column}",
            f"endLine={end_line}",
            f"endColumn={end_column}",
            f"title={_escape_property(f'{f.code} {f.name}')}",
        ]
    )
    return f"::{GITHUB_LEVELS[f.severity]} {props}::{_escape_data(message)}"


def junit(findings: list[Finding]) -> str:
    import xml.etree.ElementTree as ET

    in_file = _InFile()
    root = ET.Element(
        "testsuites", name="kvlint", tests=str(max(len(findings), 1)), failures=str(len(findings))
    )
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    if not by_path:
        suite = ET.SubElement(root, "testsuite", name="kvlint", tests="1", failures="0")
        ET.SubElement(suite, "testcase", name="kvlint", classname="kvlint")
    for raw_path, items in by_path.items():
        path = one_line(raw_path)
        suite = ET.SubElement(
            root, "testsuite", name=path, tests=str(len(items)), failures=str(len(items))
        )
        for f in items:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{f.code} {f.name}",
                classname=path,
                file=path,
                line=str(in_file.line(f)),
            )
            # XML 1.0 cannot hold most control characters: shown as pictures
            message = one_line(f.message)
            failure = ET.SubElement(case, "failure", message=message, type=f.severity)
            failure.text = f"{one_line(f.label)}: {f.code} {message}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
