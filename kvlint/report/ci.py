"""``kvlint check`` formats for CI systems and other tools, as ruff writes them.

- ``azure``: Azure Pipelines logging commands, one ``##vso[task.logissue ...]`` line per
  finding, which the agent turns into annotations on the run (and the pull request);
- ``gitlab``: GitLab's Code Quality report (a JSON array of issues, ``codeclimate`` style);
- ``json-lines``: one JSON object per line, the elements of ``--output-format json``;
- ``pylint``: ``path:line: [CODE] message``, which editors' pylint problem matchers read;
- ``grouped``: the findings under their file, ``line:col CODE message`` each.

Text that reaches a line-based format is escaped so that a file name or message can neither
end the line, start another logging command nor colour the terminal. A notebook's finding
points into the ``.ipynb`` file where a CI system shows it (``azure``, ``gitlab``, as
``github`` does) and says its cell and line; the line formats read ``cell N:line``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePath

from kvlint.findings import Finding, fingerprints
from kvlint.report.positions import InFile

CI_FORMATS = ("azure", "gitlab", "json-lines", "pylint", "grouped")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Control characters (line breaks, escapes, NUL) written as ``\\xNN`` / ``\\n``."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


# -- Azure Pipelines ------------------------------------------------------------------------
# The agent unescapes %AZP25 first, then these (azure-pipelines-agent, CommandStringConvertor).
_AZP_DATA = (("%", "%AZP25"), ("\r", "%0D"), ("\n", "%0A"))
_AZP_PROPERTY = (*_AZP_DATA, (";", "%3B"), ("]", "%5D"))


def _azp(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for raw, escaped in table:
        text = text.replace(raw, escaped)
    return printable(text)  # other control characters: written out, never sent raw


AZURE_TYPES = {"error": "error", "warning": "warning", "info": "warning"}


def _in_file() -> InFile:
    return InFile()


def _message(f: Finding) -> str:
    where = f" (cell {f.cell}, line {f.line})" if f.cell else ""
    return f"{f.code}{where} {f.message}"


def azure_line(f: Finding, in_file: InFile | None = None) -> str:
    line, column, _, _ = (in_file or _in_file()).span(f)
    props = ";".join(
        [
            f"type={AZURE_TYPES[f.severity]}",
            f"sourcepath={_azp(f.path, _AZP_PROPERTY)}",
            f"linenumber={line}",
            f"columnnumber={column}",
            f"code={_azp(f.code, _AZP_PROPERTY)}",
        ]
    )
    return f"##vso[task.logissue {props}]{_azp(_message(f), _AZP_DATA)}"


# -- GitLab Code Quality --------------------------------------------------------------------
GITLAB_SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def _gitlab_path(path: str) -> str:
    """Relative to the project (``CI_PROJECT_DIR`` in a GitLab job), with ``/``."""
    project = os.environ.get("CI_PROJECT_DIR")
    if project and Path(path).is_absolute():
        try:
            return Path(path).relative_to(project).as_posix()
        except ValueError:
            pass
    return PurePath(path).as_posix()


def gitlab(findings: list[Finding]) -> str:
    in_file = _in_file()
    issues = [
        {
            "type": "issue",
            "check_name": f.code,
            "description": _message(f),
            "categories": ["Security" if f.code.startswith(("KV2", "KV4")) else "Bug Risk"],
            "severity": GITLAB_SEVERITIES[f.severity],
            "fingerprint": fingerprint.replace(":", "-"),
            "location": {
                "path": _gitlab_path(f.path),
                "positions": _positions(*in_file.span(f)),
            },
        }
        for f, fingerprint in zip(findings, fingerprints(findings), strict=True)
    ]
    return json.dumps(issues, indent=2) + "\n"


def _positions(line: int, column: int, end_line: int, end_column: int) -> dict:
    return {
        "begin": {"line": line, "column": column},
        "end": {"line": end_line, "column": end_column},
    }


# -- one line each ---------------------------------------------------------------------------
def _line(f: Finding) -> str:
    return f"cell {f.cell}:{f.line}" if f.cell else str(f.line)


def json_lines(findings: list[Finding]) -> str:
    return "".join(json.dumps(f.as_dict()) + "\n" for f in findings)


def pylint(findings: list[Finding]) -> str:
    return "".join(
        f"{printable(f.path)}:{_line(f)}: [{f.code}] {printable(f.message)}\n" for f in findings
    )


def grouped(findings: list[Finding]) -> str:
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    out = []
    for path, items in by_path.items():
        width = max(len(f"{_line(f)}:{f.column}") for f in items)
        out.append(f"{printable(path)}:")
        out += [
            f"  {f'{_line(f)}:{f.column}'.ljust(width)} {f.code} {printable(f.message)}"
            for f in items
        ]
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def render(fmt: str, findings: list[Finding]) -> str:
    if fmt == "azure":
        in_file = _in_file()
        return "".join(azure_line(f, in_file) + "\n" for f in findings)
    if fmt == "gitlab":
        return gitlab(findings)
    if fmt == "json-lines":
        return json_lines(findings)
    if fmt == "pylint":
        return pylint(findings)
    if fmt == "grouped":
        return grouped(findings)
    raise ValueError(f"unknown format {fmt!r}")
