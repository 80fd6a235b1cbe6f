"""``kvlint check`` output formats: text, json, sarif, github, junit (and those of
:mod:`kvlint.report.ci`: azure, gitlab, json-lines, pylint, grouped)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import PurePath

from kvlint.findings import Edit, Finding, fingerprints
from kvlint.report import ci, sarif

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
    return "".join(f"{f.label}: {f.code} {f.message}\n" for f in findings)


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
        lines.append(f"- {path}:")
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


class _InFile:
    """Positions in the file itself: a notebook finding's cell line and column moved to the
    ``.ipynb`` text (each notebook read once), else the finding's own."""

    def __init__(self) -> None:
        self.raw: dict[str, str | None] = {}

    def _raw(self, path: str) -> str | None:
        if path not in self.raw:
            from kvlint.notebook import load

            try:
                with open(path, "rb") as handle:
                    self.raw[path] = load(handle.read()).raw
            except (OSError, ValueError):
                self.raw[path] = None
        return self.raw[path]

    def _move(self, path: str, cell: int, line: int, column: int) -> tuple[int, int] | None:
        raw = self._raw(path)
        if raw is None:
            return None
        from kvlint.notebook import raw_position

        return raw_position(raw, cell, line, column)

    def _pair(self, path: str, cell: int, span: tuple[int, int, int, int]) -> tuple:
        line, column, end_line, end_column = span
        if not cell:
            return span
        start = self._move(path, cell, line, column)
        end = self._move(path, cell, end_line, end_column)
        if start is None or end is None:
            return (1, 1, 1, 1)  # the notebook changed or vanished: its start
        return (*start, *end)

    def span(self, f: Finding) -> tuple:
        return self._pair(f.path, f.cell, (f.line, f.column, f.end_line, f.end_column))

    def edit_span(self, f: Finding, e: Edit) -> tuple:
        return self._pair(f.path, e.cell, (e.line, e.column, e.end_line, e.end_column))

    def line(self, f: Finding) -> int:
        return self.span(f)[0]


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
    for path, items in by_path.items():
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
            failure = ET.SubElement(case, "failure", message=f.message, type=f.severity)
            failure.text = f"{f.label}: {f.code} {f.message}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
