"""Whether a module's source may bind a name to something a summary would know, from its bytes.

Most names a linted module imports from its own project are classes (``from ._client import
SecretClient``): a summary says nothing useful about a class, so parsing the defining module for
it is wasted. Before a module is summarised for a name, its bytes are scanned: only when the name
may be bound by a ``def``, an assignment or an import (top level, or indented under ``if`` /
``try``), or a star import may bring it, is the module parsed. A false "maybe" costs a parse; a
"no" is only given when no statement could bind the name, so nothing is lost.
"""

from __future__ import annotations

import re

_STAR = re.compile(rb"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+\*", re.MULTILINE)
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)",
    re.MULTILINE,
)


# What a definition's own text must mention to be worth a parse: the summary can only carry
# values and functions that involve one of these (URLs, Key Vault, identity, HTTP, environment).
RELEVANT = re.compile(
    rb"vault|client|credential|secret|token|scope|audience|resource|://|requests|httpx|urlopen"
    rb"|urllib|aiohttp|environ|getenv",
    re.IGNORECASE,
)
_NEXT_TOP = re.compile(rb"^[^\s#)\]}]", re.MULTILINE)


def may_bind(data: bytes, name: str) -> bool:
    """False only when no ``def``, assignment, import or star import in ``data`` binds ``name``
    to something a summary could say anything about."""
    word = re.escape(name.encode())
    if not re.search(rb"\b" + word + rb"\b", data):
        return bool(_STAR.search(data))
    if _STAR.search(data):
        return True
    definition = re.compile(
        rb"^[ \t]*(?:(?:async[ \t]+)?def[ \t]+"
        + word
        + rb"\b|(?:[\w.]+[ \t]*,[ \t]*)*"
        + word
        + rb"[ \t]*(?:,[^\n=]*)?(?::[^\n=]*)?=(?!=))",
        re.MULTILINE,
    )
    for match in definition.finditer(data):
        if RELEVANT.search(_segment(data, match.start(), match.end())):
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


_FROM = re.compile(rb"^from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.MULTILINE)
_PLAIN = re.compile(rb"^import[ \t]+([^\n#;]*)", re.MULTILINE)


def import_bindings(data: bytes) -> tuple[dict[str, str], list[str]]:
    """Top-level (unindented) imports read from the bytes: local name -> imported dotted name as
    written, and the modules of star imports. For modules that are not worth parsing: their
    re-exports still resolve."""
    names: dict[str, str] = {}
    stars: list[str] = []
    for match in _FROM.finditer(data):
        module = match.group(1).decode("ascii", "replace")
        body = match.group(2).decode("ascii", "replace").strip("() \t\r\n\\")
        for part in body.replace("\\\n", " ").split(","):
            words = part.split()
            if not words:
                continue
            if words[0] == "*":
                stars.append(module)
                continue
            local = words[2] if len(words) == 3 and words[1] == "as" else words[0]
            if local.isidentifier() and words[0].isidentifier():
                sep = "" if module.endswith(".") else "."
                names[local] = f"{module}{sep}{words[0]}"
    for match in _PLAIN.finditer(data):
        for part in match.group(1).decode("ascii", "replace").split(","):
            words = part.split()
            if not words:
                continue
            if len(words) == 3 and words[1] == "as" and words[2].isidentifier():
                names[words[2]] = words[0]
            elif len(words) == 1:
                top = words[0].split(".", 1)[0]
                if top.isidentifier():
                    names[top] = top
    return names, stars
