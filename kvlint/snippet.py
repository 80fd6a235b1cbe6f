"""A line of a configuration file under an error message, as ruff shows it, and where a key of
``[tool.kvlint]`` is set (so that an error about its value can point at it)."""

from __future__ import annotations

import re
from pathlib import Path

TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TABLE_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*kvlint\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def snippet(path: Path, line: int, column: int = 0) -> str:
    """The offending line of a configuration file under the error, as ruff shows it::

      |
    3 | select = "KV101"
      |          ^
    """
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    if not 1 <= line <= len(lines):
        return ""
    text = "".join(c if c.isprintable() or c == "\t" else "?" for c in lines[line - 1])[:200]
    pad = " " * len(str(line))
    out = f"{pad} |\n{line} | {text}"
    if column >= 1:
        out += f"\n{pad} | {' ' * (column - 1)}^"
    return out


def key_line(path: Path, key: str) -> tuple[int, int]:
    """Where ``key`` is set under ``[tool.kvlint]`` (line and column; 0, 0 if not found)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 0, 0
    inside = False
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=\s*")
    for number, text in enumerate(lines, 1):
        if _TABLE_HEADER.match(text):
            inside = True
            continue
        if inside and _ANY_HEADER.match(text):
            inside = False
        if inside:
            match = pattern.match(text)
            if match:
                return number, match.end() + 1  # the value
    return 0, 0
