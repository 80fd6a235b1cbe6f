"""Suppression comments: ``# noqa``, ``# noqa: KV101``, ``# kvlint: ignore[KV101]``.

Finds the directives of a file, says which finding a directive silences, which directives
silence nothing (KV100, with a fix that removes them), and inserts ``# noqa: KVxxx`` for
``--add-noqa`` without ever breaking a string or a continued line.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from kvlint.findings import Edit, Finding

NOQA = re.compile(
    r"#\s*(?:(?P<noqa>noqa)(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?"
    r"|kvlint:\s*ignore(?!-file)(?:\[(?P<kvcodes>[^\]]*)\])?)",
    re.IGNORECASE,
)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass
class Directive:
    line: int
    start: int  # 0-based column of "#"
    end: int  # 0-based column after the directive
    kind: str  # "noqa" or "kvlint"
    codes: tuple[str, ...] | None  # None: every code
    used: set[str] = field(default_factory=set)

    def silences(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def directives(lines: list[str]) -> dict[int, list[Directive]]:
    found: dict[int, list[Directive]] = {}
    for number, line in enumerate(lines, 1):
        if "#" not in line:
            continue
        for match in NOQA.finditer(line):
            listed = match.group("codes") if match.group("noqa") else match.group("kvcodes")
            codes = None if listed is None else tuple(c.upper() for c in _CODE.findall(listed))
            kind = "noqa" if match.group("noqa") else "kvlint"
            found.setdefault(number, []).append(
                Directive(number, match.start(), match.end(), kind, codes)
            )
    return found


def suppressing(found: dict[int, list[Directive]], code: str, first: int, last: int):
    """The directive on the finding's first or last line that silences ``code``, if any."""
    for number in dict.fromkeys((first, last)):
        for directive in found.get(number, ()):
            if directive.silences(code):
                directive.used.add(code)
                return directive
    return None


def comment_columns(text: str) -> set[tuple[int, int]] | None:
    """(line, column) of every real comment (not text inside strings); None if untokenizable."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return {tok.start for tok in tokens if tok.type == tokenize.COMMENT}
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None


@dataclass(frozen=True)
class Stale:
    """A directive's codes that silenced nothing (KV100), and the edit that removes them."""

    directive: Directive
    codes: tuple[str, ...]
    edit: Edit
    text: str  # the directive as written

    @property
    def message(self) -> str:
        return _unused_message(self.codes, _known_codes())


def _known_codes() -> set[str]:
    from kvlint import catalog

    return set(catalog.codes())


def unused(found: dict[int, list[Directive]], text: str, enabled: frozenset[str]) -> list[Stale]:
    """The KV codes listed in directives that silenced nothing, and KV "codes" that are not rule
    codes: as in ruff, a prefix (``# noqa: KV1``) silences nothing (the engine reports KV100)."""
    known = _known_codes()
    candidates = []
    for items in found.values():
        for directive in items:
            if directive.codes is None:
                continue
            stale = [
                c
                for c in directive.codes
                if c.startswith("KV")
                and (c not in known or (c in enabled and c not in directive.used))
            ]
            if stale:
                candidates.append((directive, stale))
    if not candidates:
        return []
    comments = comment_columns(text)
    lines = LINE_BREAK.split(text)
    out = []
    for directive, stale in candidates:
        if comments is not None and (directive.line, directive.start) not in comments:
            continue  # a noqa comment inside a string is not a directive
        line = lines[directive.line - 1]
        kept = [c for c in directive.codes or () if c not in stale]
        replacement = _render(directive.kind, kept)
        start, end = directive.start, directive.end
        if not kept:  # drop the directive and the spaces before it
            start = len(line[:start].rstrip())
        edit = Edit(directive.line, start + 1, directive.line, end + 1, replacement)
        out.append(Stale(directive, tuple(stale), edit, line[directive.start : directive.end]))
    return out


def _unused_message(stale: tuple[str, ...], known: set[str]) -> str:
    invalid = [c for c in stale if c not in known]
    unused_codes = [c for c in stale if c in known]
    parts = []
    if unused_codes:
        parts.append(
            f"unused suppression for {', '.join(unused_codes)}: nothing here is reported for "
            f"{'it' if len(unused_codes) == 1 else 'them'} any more; remove it"
        )
    if invalid:
        parts.append(
            f"{', '.join(invalid)} {'is not a rule code' if len(invalid) == 1 else 'are not rule codes'}"
            ": a suppression silences exact codes only (a prefix such as KV1 silences nothing, "
            "as in ruff); write the full code, e.g. KV101"
        )
    return "; ".join(parts)


def _render(kind: str, codes: list[str]) -> str:
    if not codes:
        return ""
    if kind == "noqa":
        return f"# noqa: {', '.join(codes)}"
    return f"# kvlint: ignore[{', '.join(codes)}]"


def _unsafe_lines(text: str) -> set[int] | None:
    """Lines whose end lies inside a string or ends in a backslash continuation."""
    unsafe: set[int] = set()
    commented: set[int] = set()  # a backslash ending a comment continues nothing
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                commented.add(tok.end[0])
            elif tok.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)) and (
                tok.end[0] > tok.start[0]
            ):
                unsafe.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    for number, line in enumerate(LINE_BREAK.split(text), 1):
        if line.rstrip().endswith("\\") and number not in commented:
            unsafe.add(number)
    return unsafe


def _noqa_lines(finding: Finding, kind: str | None) -> tuple[int, ...]:
    """Where a ``# noqa`` may go for a finding, by file kind (None: Python)."""
    if kind == "toml":  # after the value's last line (a multi-line string's closing quotes)
        return (finding.end_line,)
    if kind in ("yaml", "env"):  # a one-line value; inside a YAML block scalar "#" is text
        return (finding.line,) if finding.line == finding.end_line else ()
    return (finding.line, finding.end_line)


def add_noqa(text: str, findings: list[Finding], kind: str | None = None) -> tuple[str, int, int]:
    """Append ``# noqa: CODES`` to each offending line.

    ``kind`` is the configuration file kind (``yaml``, ``toml``, ``env``, ``json``) or None for
    Python. JSON has no comments, so its findings are never marked. Returns the new text, the
    number of lines changed and the number of findings left alone (JSON; or both their first
    and last line end inside a string or a backslash continuation).
    """
    findings = [f for f in findings if f.code != "KV000"]
    if kind == "json":
        return text, 0, len(findings)
    unsafe = _unsafe_lines(text) if kind is None else set()
    if unsafe is None:
        return text, 0, len(findings)
    wanted: dict[int, set[str]] = {}
    skipped = 0
    for finding in findings:
        line = next((n for n in _noqa_lines(finding, kind) if n not in unsafe), None)
        if line is None:
            skipped += 1
        else:
            wanted.setdefault(line, set()).add(finding.code)
    if not wanted:
        return text, 0, skipped
    pieces = LINE_BREAK.split(text)
    breaks = LINE_BREAK.findall(text)
    found = directives(pieces)
    for number, codes in wanted.items():
        piece = pieces[number - 1]
        existing = next((d for d in found.get(number, ()) if d.kind == "noqa"), None)
        if existing is not None and existing.codes is not None:
            merged = list(existing.codes) + sorted(c for c in codes if c not in existing.codes)
            pieces[number - 1] = (
                piece[: existing.start] + _render("noqa", merged) + piece[existing.end :]
            )
        elif existing is None:
            pieces[number - 1] = f"{piece.rstrip()}  {_render('noqa', sorted(codes))}"
    out = "".join(piece + brk for piece, brk in zip(pieces, [*breaks, ""], strict=True))
    return out, len(wanted), skipped
