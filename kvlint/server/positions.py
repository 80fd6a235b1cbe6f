"""Positions: kvlint's (1-based line, 1-based code-point column) and LSP's (0-based line,
0-based column in the negotiated code units: UTF-16 unless the client offered another).

Lines are split at ``\\r\\n``, ``\\r`` and ``\\n`` only, as LSP and Python do (not at form
feeds or U+2028, where ``str.splitlines`` would split).
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from kvlint.findings import Edit
from kvlint.lint.engine import apply_edits
from kvlint.lint.suppress import LINE_BREAK


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


UNITS: dict[str, Callable[[str], int]] = {
    types.PositionEncodingKind.Utf16.value: _utf16,
    types.PositionEncodingKind.Utf8.value: _utf8,
    types.PositionEncodingKind.Utf32.value: len,
}


class Positions:
    """Position conversion for one version of a document's text."""

    def __init__(self, text: str, encoding: str | types.PositionEncodingKind | None = None) -> None:
        self.text = text
        self.lines = LINE_BREAK.split(text)
        name = getattr(encoding, "value", encoding) or "utf-16"  # the enum, or its value
        self.units = UNITS.get(str(name), _utf16)

    def to_lsp(self, line: int, column: int) -> types.Position:
        """kvlint's 1-based line and code-point column as an LSP position."""
        if line > len(self.lines):
            last = len(self.lines) - 1
            return types.Position(last, self.units(self.lines[last]))
        text = self.lines[max(line, 1) - 1]
        return types.Position(max(line, 1) - 1, self.units(text[: max(column, 1) - 1]))

    def range(self, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        return types.Range(self.to_lsp(line, column), self.to_lsp(end_line, end_column))

    def from_lsp(self, position: types.Position) -> tuple[int, int]:
        """An LSP position as kvlint's 1-based line and code-point column (clamped)."""
        if position.line >= len(self.lines):
            return len(self.lines), len(self.lines[-1]) + 1
        text = self.lines[position.line]
        units = 0
        for index, char in enumerate(text):
            if units >= position.character:
                return position.line + 1, index + 1
            units += self.units(char)
        return position.line + 1, len(text) + 1

    def edit(self, edit: Edit) -> types.TextEdit:
        return types.TextEdit(
            self.range(edit.line, edit.column, edit.end_line, edit.end_column), edit.content
        )

    def replace_with(self, new_text: str) -> types.TextEdit | None:
        """One edit that turns this text into ``new_text``: the span between their common
        prefix and suffix (None when they are equal)."""
        old = self.text
        if old == new_text:
            return None
        limit = min(len(old), len(new_text))
        start = _common(limit, lambda n: old[:n] == new_text[:n])
        end = _common(limit - start, lambda n: old[len(old) - n :] == new_text[len(new_text) - n :])
        if 0 < start < len(old) and old[start - 1] == "\r" and old[start] == "\n":
            start -= 1  # never split a CRLF: LSP counts it as one line break
        stop = len(old) - end
        if 0 < stop < len(old) and old[stop - 1] == "\r" and old[stop] == "\n":
            end -= 1
        line, column = self._line_column(start)
        end_line, end_column = self._line_column(len(old) - end)
        return types.TextEdit(
            self.range(line, column, end_line, end_column), new_text[start : len(new_text) - end]
        )

    def apply(self, edits: list[Edit]) -> str:
        return apply_edits(self.text, edits)

    def _line_column(self, offset: int) -> tuple[int, int]:
        line_start = 0
        line = 1
        for match in LINE_BREAK.finditer(self.text, 0, offset):
            if match.end() > offset:
                break
            line_start = match.end()
            line += 1
        return line, offset - line_start + 1


def _common(limit: int, same: Callable[[int], bool]) -> int:
    """The largest n <= limit with same(n) (true up to some n, false after): a binary search
    of slice comparisons, fast on a whole file where a loop over characters is not."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if same(middle):
            low = middle
        else:
            high = middle - 1
    return low
