"""Whether a module's source may bind a name to something a summary would know, from its bytes.

Used before anything is parsed (:mod:`kvlint.lint.project.reach`: does a skipped file import
a name worth linting it for?). Only when the name may be bound by a ``def``, a ``class`` (its
methods may read Key Vault), an assignment or an import (top level, or indented under ``if`` /
``try``) whose text the caller finds relevant, or a star import may bring it, is the answer
"maybe"; most classes a module imports from its own project (models, forms) mention nothing
relevant. A false "maybe" costs a parse; a "no" is only given when no statement could bind the
name, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_STAR = re.compile(rb"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+\*", re.MULTILINE)
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)",
    re.MULTILINE,
)
_NEXT_TOP = re.compile(rb"^[^\s#)\]}]", re.MULTILINE)


def may_bind(data: bytes, name: str, relevant: Callable[[str], bool]) -> bool:
    """False only when no ``def``, ``class``, assignment, import or star import in ``data``
    binds ``name`` to something a summary could say anything about (a definition whose text
    ``relevant`` refuses says nothing)."""
    word = re.escape(name.encode())
    if not re.search(rb"\b" + word + rb"\b", data):
        return bool(_STAR.search(data))
    if _STAR.search(data):
        return True
    definition = re.compile(
        rb"^[ \t]*(?:(?:(?:async[ \t]+)?def|class)[ \t]+"
        + word
        + rb"\b|(?:[\w.]+[ \t]*,[ \t]*)*"
        + word
        + rb"[ \t]*(?:,[^\n=]*)?(?::[^\n=]*)?=(?!=))",
        re.MULTILINE,
    )
    for match in definition.finditer(data):
        if relevant(_segment(data, match.start(), match.end()).decode("latin-1")):
            return True
    bound = re.compile(rb"\b" + word + rb"\b")
    return any(bound.search(statement.group(0)) for statement in _IMPORT.finditer(data))


def _segment(data: bytes, start: int, end: int) -> bytes:
    """A definition's text: from its start to the next statement at its own indentation or
    less (approximated: the next unindented line, for top-level definitions)."""
    line_start = data.rfind(b"\n", 0, start) + 1
    indented = start > line_start and data[line_start:start].strip() == b""
    following = _NEXT_TOP.search(
        data, data.find(b"\n", end) + 1 if b"\n" in data[end:] else len(data)
    )
    stop = following.start() if following is not None and not indented else len(data)
    if indented:  # under ``if`` / ``try``: up to the next line at most as indented
        width = start - line_start
        pattern = re.compile(rb"^[ \t]{0,%d}[^\s#]" % width, re.MULTILINE)
        nxt = pattern.search(data, data.find(b"\n", end) + 1 if b"\n" in data[end:] else len(data))
        stop = nxt.start() if nxt is not None else len(data)
    return data[line_start:stop]
