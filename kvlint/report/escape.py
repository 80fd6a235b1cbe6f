"""What hostile input may not do to kvlint's output: print control characters, inject markup.

Names, paths, messages, source lines and log fields come from files, vault exports, tokens and
logs anyone may write. Every text format passes them through here:

- :func:`printable` replaces control characters one for one (so carets under a source line stay
  aligned): C0 controls and DEL by their Unicode control pictures (``␛`` for ESC, ``␇`` for BEL,
  as ruff prints them), C1 controls and the bidirectional overrides that reorder what a terminal
  shows ("Trojan Source") by ``�``. A tab stays a tab only where ``keep_tabs`` says so.
- :func:`one_line`: printable, and line breaks folded to spaces (a table cell, a message).
- :func:`markdown_text` / :func:`markdown_code`: for Markdown documents, markup escaped (a name
  cannot open a heading, an HTML block, a link or a table cell) or fenced as code.
- :func:`shell_quote`: a value interpolated into a suggested command line.
"""

from __future__ import annotations

import re
import shlex

# C0 (but tab, line feed), DEL, C1, and the bidirectional controls (embeddings, overrides,
# isolates, marks) and line/paragraph separators
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_CONTROL_TAB = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)
# Parentheses stay: a link needs "](" and brackets are escaped.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>#+!|~&$])")


def _picture(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def printable(text: str, keep_tabs: bool = True) -> str:
    """``text`` with every control character replaced by one visible character; line feeds
    stay (the caller folds them where a value must be one line)."""
    pattern = _CONTROL if keep_tabs else _CONTROL_TAB
    return pattern.sub(_picture, text) if pattern.search(text) else text


def one_line(text: object) -> str:
    """A value shown on one line: printable, whitespace runs (line breaks too) folded."""
    value = printable(str(text))
    return " ".join(value.split()) if any(c in value for c in "\n\t\r") else value


def markdown_text(text: object, code_spans: bool = False) -> str:
    """A value as Markdown text: one line, every markup character backslash-escaped. With
    ``code_spans``, a message's own `code spans` stay code (their text is never interpreted;
    only a pipe is escaped, as a table needs)."""
    value = one_line(text)
    if not code_spans or "`" not in value:
        return _MARKUP.sub(r"\\\1", value)
    parts = value.split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: the last one is text
        last = parts.pop()
        parts[-1] += "\x00" + last
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(part.replace("|", "\\|"))
        else:
            out.append(_MARKUP.sub(r"\\\1", part).replace("\x00", "\\`"))
    return "`".join(out)


def markdown_code(text: object) -> str:
    """A value as a Markdown code span: one line, fenced by more backticks than it holds."""
    value = one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def shell_quote(value: object) -> str:
    """A value for a suggested shell command (POSIX quoting), printable."""
    return shlex.quote(one_line(value))
