"""Plain-text tables for terminals: aligned columns, the last column wrapped to the width."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

MIN_LAST = 30


def render(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int = 100) -> str:
    """An aligned table; every column but the last is as wide as its widest cell."""
    if not rows:
        return ""
    fixed = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers) - 1)]
    indent = sum(fixed) + 2 * len(fixed)
    last = max(MIN_LAST, width - indent)
    lines = []
    for row in [headers, *rows]:
        cells = [str(cell).ljust(fixed[i]) for i, cell in enumerate(row[:-1])]
        wrapped = textwrap.wrap(str(row[-1]), last, break_on_hyphens=False) or [""]
        lines.append("  ".join([*cells, wrapped[0]]).rstrip())
        lines.extend(" " * indent + more for more in wrapped[1:])
    return "\n".join(lines) + "\n"
