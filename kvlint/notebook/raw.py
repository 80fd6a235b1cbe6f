"""Where a notebook's cell sources are in its raw JSON text: to write a changed cell back
(only its strings) and to point into the ``.ipynb`` file (SARIF, GitHub annotations, a notebook
opened as text in an editor). Runs after ``json.loads`` accepted the text."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


@dataclass
class SourceSpan:
    """Where a cell's ``source`` value is in the raw text: the whole value, and each string
    (one per line in nbformat's usual list form)."""

    start: int
    end: int
    strings: list[tuple[int, int]]  # raw spans of the strings, quotes included
    is_list: bool

    def rewrite(self, raw: str, source: str, ascii_only: bool) -> str:
        """The raw text of this value holding ``source`` instead."""
        old_items = [json.loads(raw[s:e]) for s, e in self.strings]
        value = raw[self.start : self.end]
        if not self.is_list:
            return json.dumps(source, ensure_ascii=ascii_only)
        items = source.splitlines(True)  # as nbformat splits a cell's source
        if len(items) == len(old_items) and self.strings:
            out = value
            for (s, e), old, new in reversed(
                list(zip(self.strings, old_items, items, strict=True))
            ):
                if old != new:
                    s, e = s - self.start, e - self.start
                    out = out[:s] + json.dumps(new, ensure_ascii=ascii_only) + out[e:]
            return out
        if self.strings and "\n" in value:
            first = self.strings[0][0] - self.start
            head = value[:first]  # "[\n    "
            indent = head[head.rfind("\n") + 1 :]
            tail_start = self.strings[-1][1] - self.start
            tail = value[tail_start:]  # "\n   ]"
            separator = ",\n" + indent
            body = separator.join(json.dumps(i, ensure_ascii=ascii_only) for i in items)
            return head + body + tail
        return "[" + ", ".join(json.dumps(i, ensure_ascii=ascii_only) for i in items) + "]"

    def offset_of(self, raw: str, line: int, column: int) -> int | None:
        """The raw offset of a (line, column) of the source, both 1-based."""
        line_no, col = 1, 1
        for s, e in self.strings:
            i = s + 1
            while i < e - 1:
                if line_no == line and col == column:
                    return i
                char = raw[i]
                if char == "\\":
                    escape = raw[i + 1]
                    if escape == "u":
                        decoded = chr(int(raw[i + 2 : i + 6], 16))
                        step = 6
                        if 0xD800 <= ord(decoded) < 0xDC00 and raw[i + 6 : i + 8] == "\\u":
                            step = 12
                    else:
                        decoded = {"n": "\n", "r": "\r"}.get(escape, escape)
                        step = 2
                else:
                    decoded, step = char, 1
                if decoded == "\n":
                    line_no, col = line_no + 1, 1
                elif decoded != "\r":
                    col += 1
                i += step
            if line_no == line and col == column:
                return e - 1
        return None


@functools.lru_cache(maxsize=8)  # every finding of a notebook asks the same text
def source_spans(raw: str) -> dict[int, SourceSpan]:
    """Cell index (0-based, all cells) -> where its ``source`` is in ``raw`` (do not mutate)."""
    spans: dict[int, SourceSpan] = {}
    _Scanner(raw, spans).top()
    return spans


class _Scanner:
    """A JSON walker that records the spans of ``cells[i].source`` (after ``json.loads``
    accepted the text, so it only has to find positions)."""

    def __init__(self, raw: str, spans: dict[int, SourceSpan]) -> None:
        self.raw = raw
        self.spans = spans
        self.pos = 0
        self.cell = 0

    def ws(self) -> None:
        self.pos = _WS.match(self.raw, self.pos).end()  # type: ignore[union-attr]

    def string(self) -> tuple[int, int]:
        start = self.pos
        _, self.pos = json.decoder.scanstring(self.raw, self.pos + 1)  # type: ignore[attr-defined]
        return start, self.pos

    def top(self) -> None:
        self.ws()
        self.value(("",))

    def value(self, path: tuple) -> tuple[int, int]:
        self.ws()
        start = self.pos
        char = self.raw[self.pos]
        if char == "{":
            self.pos += 1
            self.ws()
            if self.raw[self.pos] == "}":
                self.pos += 1
                return start, self.pos
            while True:
                self.ws()
                s, e = self.string()
                key = json.loads(self.raw[s:e])
                self.ws()
                self.pos += 1  # ':'
                self._member(path, key)
                self.ws()
                char = self.raw[self.pos]
                self.pos += 1
                if char == "}":
                    return start, self.pos
        if char == "[":
            self.pos += 1
            self.ws()
            if self.raw[self.pos] == "]":
                self.pos += 1
                return start, self.pos
            index = 0
            while True:
                self._element(path, index)
                index += 1
                self.ws()
                char = self.raw[self.pos]
                self.pos += 1
                if char == "]":
                    return start, self.pos
        if char == '"':
            return self.string()
        match = _SCALAR.match(self.raw, self.pos)
        self.pos = match.end() if match else self.pos + 1
        return start, self.pos

    def _member(self, path: tuple, key: str) -> None:
        if path == ("", "cells", "#") and key == "source":
            self.ws()
            start = self.pos
            strings: list[tuple[int, int]] = []
            if self.raw[start] == "[":
                self.pos += 1
                self.ws()
                while self.raw[self.pos] != "]":
                    strings.append(self.string())
                    self.ws()
                    if self.raw[self.pos] == ",":
                        self.pos += 1
                        self.ws()
                self.pos += 1
                self.spans[self.cell] = SourceSpan(start, self.pos, strings, True)
            else:
                s, e = self.string()
                self.spans[self.cell] = SourceSpan(s, e, [(s, e)], False)
            return
        if path == ("",) and key == "cells":
            self.value(("", "cells"))
        elif path == ("", "cells", "#"):
            self.value((*path, key))
        else:
            self.value(("", "other"))

    def _element(self, path: tuple, index: int) -> None:
        if path == ("", "cells"):
            self.cell = index
            self.value(("", "cells", "#"))
        else:
            self.value(("", "other"))


def escapes_non_ascii(raw: str) -> bool:
    """Whether the file writes non-ASCII characters as ``\\uXXXX`` (json.dump's default) rather
    than as themselves (nbformat's)."""
    if not raw.isascii():
        return False
    return re.search(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])", raw) is not None


def raw_position(raw: str, cell: int, line: int, column: int) -> tuple[int, int] | None:
    """The (line, column) in the notebook file (1-based) of a cell's line and column, or None."""
    try:
        span = source_spans(raw).get(cell - 1)
    except (IndexError, ValueError, AttributeError, RecursionError):
        return None
    if span is None:
        return None
    offset = span.offset_of(raw, line, column)
    if offset is None:
        return None
    raw_line = raw.count("\n", 0, offset) + 1
    return raw_line, offset - (raw.rfind("\n", 0, offset) + 1) + 1
