"""``kvlint check``'s human output, shaped like ruff's.

- ``full`` (the default, also called ``text``): per finding, ``path:line:col: CODE short
  message`` (the message's first sentence), the source line with the span marked, a ``help:``
  line with the fix when there is one and a ``note:`` with the rest of the message;
- ``concise``: one line per finding, the whole message;
- the summary: counts per code and how many are fixable.

Whatever comes from the files (paths, messages quoting them, source lines) is shown printable
(control characters as pictures, :mod:`kvlint.report.escape`) and source lines with tokens and
secret values masked (:mod:`kvlint.redact`), the carets moved to stay under what they mark.

The long explanation of a rule stays in ``kvlint rule CODE``. Colour is decided by
:func:`use_color` (``--color``, ``NO_COLOR``, ``FORCE_COLOR``, a terminal).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from kvlint.findings import Finding
from kvlint.redact import spans as secret_spans
from kvlint.report.escape import one_line, printable

HUMAN_FORMATS = ("text", "full", "concise")
COLOR_CHOICES = ("auto", "always", "never")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A sentence ends at ". " before a capital letter (not after "e.g." / "i.e." / "etc.").
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)\.\s+(?=[A-Z`'\"(])")
_MAX_SNIPPET = 240  # characters of a source line shown


class Style:
    """ANSI styles, or nothing."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def code(self, text: str) -> str:
        return self._wrap("1;31", text)

    def caret(self, text: str) -> str:
        return self._wrap("1;31", text)

    def gutter(self, text: str) -> str:
        return self._wrap("1;34", text)

    def help(self, text: str) -> str:
        return self._wrap("1;36", text)

    def fixable(self, text: str) -> str:
        return self._wrap("1;32", text)


def use_color(choice: str, stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """``--color always|never`` wins; then ``NO_COLOR`` (off) and ``FORCE_COLOR`` (on), as
    https://no-color.org and https://force-color.org say; else colour on a terminal."""
    env = os.environ if environ is None else environ
    if choice == "always":
        return True
    if choice == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0", "false"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and env.get("TERM") != "dumb"


def split_message(message: str) -> tuple[str, str]:
    """The message's first sentence (the short message) and the rest."""
    depth = 0
    for match in _SENTENCE_END.finditer(message):
        before = message[: match.start()]
        depth = before.count("(") - before.count(")")
        if depth <= 0:
            return message[: match.start() + 1], message[match.end() :].strip()
    return message, ""


def _fixable(finding: Finding) -> bool:
    return bool(finding.edits) and finding.fix_applicability == "safe"


def concise(findings: list[Finding], style: Style) -> str:
    return "".join(
        f"{style.bold(f'{one_line(f.label)}:')} {style.code(f.code)} {one_line(f.message)}\n"
        for f in findings
    )


def full(
    findings: list[Finding], lines_of: Callable[[str, int], list[str] | None], style: Style
) -> str:
    """Each finding with its source line, the span marked, and help / note lines.
    ``lines_of(path, cell)``: the file's lines (a notebook's: the cell's)."""
    out: list[str] = []
    for finding in findings:
        short, rest = split_message(one_line(finding.message))
        out.append(
            f"{style.bold(f'{one_line(finding.label)}:')} {style.code(finding.code)} {short}"
        )
        lines = lines_of(finding.path, finding.cell) if finding.line >= 1 else None
        source = lines[finding.line - 1] if lines and finding.line <= len(lines) else None
        help_text = one_line(_fix_help(finding, lines))
        width = len(str(finding.line))
        bar = style.gutter(" " * width + " |")
        if source is not None:
            shown, carets = _marked(source, finding)
            out += [
                bar,
                f"{style.gutter(f'{finding.line} |')} {shown}",
                f"{bar} {style.caret(carets)}",
                bar,
            ]
        pad = " " * width + " "
        if help_text:
            out.append(f"{pad}= {style.help('help:')} {help_text}")
        if rest:
            label = "note:" if help_text else "help:"
            out.append(f"{pad}= {style.help(label)} {rest}")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def _marked(source: str, finding: Finding) -> tuple[str, str]:
    """The source line (tabs expanded, long lines cut) and carets under the finding's span."""
    line = source.expandtabs(4) if "\t" in source else source
    start = len(source[: finding.column - 1].expandtabs(4))
    if finding.end_line == finding.line and finding.end_column > finding.column:
        end = len(source[: finding.end_column - 1].expandtabs(4))
    else:  # a span over several lines: mark to the end of the first one
        end = max(len(line.rstrip()), start + 1)
    end = max(end, start + 1)
    line, start, end = _masked(printable(line, keep_tabs=False), start, end)
    if len(line) > _MAX_SNIPPET:
        cut = max(0, min(start - 20, len(line) - _MAX_SNIPPET))
        line = ("…" if cut else "") + line[cut : cut + _MAX_SNIPPET] + "…"
        shift = cut - (1 if cut else 0)
        start, end = start - shift, min(end - shift, len(line))
    return line, " " * start + "^" * max(1, end - start)


def _masked(line: str, start: int, end: int) -> tuple[str, int, int]:
    """``line`` with tokens and secret values masked, and the marked span moved with them (a
    span starting or ending inside a masked part covers all of what is shown instead)."""
    found = secret_spans(line)
    if not found:
        return line, start, end

    def moved(position: int, is_end: bool) -> int:
        delta = 0
        for begin, finish, shown in found:
            if position <= begin or (is_end and position == begin):
                break
            if position < finish:  # inside a masked part
                return begin + delta + (len(shown) if is_end else 0)
            delta += len(shown) - (finish - begin)
        return position + delta

    pieces, position = [], 0
    for begin, finish, shown in found:
        pieces += [line[position:begin], shown]
        position = finish
    pieces.append(line[position:])
    return "".join(pieces), moved(start, False), moved(end, True)


def _fix_help(finding: Finding, lines: list[str] | None) -> str:
    """``help:`` for a finding with a fix: what the fix writes, and how to apply it."""
    if not finding.edits:
        return ""
    how = (
        "safe fix: `kvlint check --fix`"
        if finding.fix_applicability == "safe"
        else "unsafe fix: `kvlint check --fix --unsafe-fixes`"
    )
    if len(finding.edits) == 1 and lines:
        edit = finding.edits[0]
        old = _text(lines, edit.line, edit.column, edit.end_line, edit.end_column)
        if old is not None and "\n" not in old and len(old) + len(edit.content) <= 160:
            if not edit.content:
                return f"remove `{old.strip()}` ({how})"
            return f"replace `{old}` with `{edit.content}` ({how})"
    count = len(finding.edits)
    return f"{count} edit{'s' if count != 1 else ''} ({how})"


def _text(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str | None:
    if not (1 <= line <= end_line <= len(lines)):
        return None
    if line == end_line:
        return lines[line - 1][column - 1 : end_column - 1]
    return None


def source_lines(text: str) -> list[str]:
    return _LINE_BREAK.split(text)


def summary(findings: list[Finding], fixed: int, fixable: int, baselined: int = 0) -> str:
    """``Found 3 findings (2 × KV101, 1 × KV100).`` then what ``--fix`` would do."""  # noqa: RUF002
    lines = []
    if findings:
        noun = "finding" if len(findings) == 1 else "findings"
        counts = Counter(f.code for f in findings)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        by_code = ", ".join(f"{count} × {code}" for code, count in ordered)  # noqa: RUF001
        lines.append(f"Found {len(findings)} {noun} ({by_code}).")
        if fixable:
            lines.append(f"{fixable} fixable with `kvlint check --fix`.")
    else:
        lines.append("All checks passed!")
    if fixed:
        lines.append(f"Fixed {fixed}.")
    if baselined:
        lines.append(f"{baselined} more in the baseline.")
    return "\n".join(lines)
