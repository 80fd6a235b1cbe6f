"""Plain-text tables for terminals: aligned columns that fit the width, wrapped between words.

Cells are printable and one line (:func:`kvlint.report.escape.one_line`). Every column is as wide as its widest cell when that fits. When it does not, the widest
columns give up room first (the last, usually a message, down to ``MIN_LAST``), but never below
their longest word: cells wrap at spaces only (never inside a word, never at a hyphen), so an
id, a code or an address is never split. A single word wider than the terminal is the one thing
that may overflow.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from kvlint.report.escape import one_line

MIN_LAST = 30
GAP = 2


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _widths(cells: list[list[str]], width: int) -> list[int]:
    columns = len(cells[0])
    natural = [max(len(row[i]) for row in cells) for i in range(columns)]
    words = [max(_longest_word(row[i]) for row in cells) for i in range(columns)]
    widths = list(natural)
    budget = width - GAP * (columns - 1)
    # first keep the last column (the message) at least MIN_LAST wide, then give that up too
    for last_floor in (max(words[-1], min(MIN_LAST, natural[-1])), words[-1]):
        floor = [*words[:-1], last_floor]
        while sum(widths) > budget:
            # shrink the column with the most room above its floor
            spare = [w - f for w, f in zip(widths, floor, strict=True)]
            widest = max(range(columns), key=lambda i: (spare[i], i))
            if spare[widest] <= 0:
                break
            widths[widest] -= max(1, min(spare[widest], sum(widths) - budget))
    return widths


def render(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int = 100) -> str:
    """An aligned table no wider than ``width`` unless one word is; cells wrap between words."""
    if not rows:
        return ""
    cells = [[one_line(cell) for cell in row] for row in [headers, *rows]]  # no control chars
    widths = _widths(cells, width)
    lines = []
    for row in cells:
        wrapped = [
            textwrap.wrap(cell, widths[i], break_long_words=False, break_on_hyphens=False) or [""]
            for i, cell in enumerate(row)
        ]
        for depth in range(max(len(w) for w in wrapped)):
            parts = [
                (w[depth] if depth < len(w) else "").ljust(widths[i]) for i, w in enumerate(wrapped)
            ]
            lines.append((" " * GAP).join(parts).rstrip())
    return "\n".join(lines) + "\n"
