"""Where a finding is in the file itself, for formats that point into it (SARIF, GitHub, Azure
Pipelines, GitLab): a notebook finding's cell line and column moved to the ``.ipynb`` text."""

from __future__ import annotations

from kvlint.findings import Edit, Finding


class InFile:
    """Positions in the file itself: a notebook finding's cell line and column moved to the
    ``.ipynb`` text (each notebook read once), else the finding's own."""

    def __init__(self) -> None:
        self.raw: dict[str, str | None] = {}

    def _raw(self, path: str) -> str | None:
        if path not in self.raw:
            from kvlint.notebook import load

            try:
                with open(path, "rb") as handle:
                    self.raw[path] = load(handle.read()).raw
            except (OSError, ValueError):
                self.raw[path] = None
        return self.raw[path]

    def _move(self, path: str, cell: int, line: int, column: int) -> tuple[int, int] | None:
        raw = self._raw(path)
        if raw is None:
            return None
        from kvlint.notebook import raw_position

        return raw_position(raw, cell, line, column)

    def _pair(self, path: str, cell: int, span: tuple[int, int, int, int]) -> tuple:
        line, column, end_line, end_column = span
        if not cell:
            return span
        start = self._move(path, cell, line, column)
        end = self._move(path, cell, end_line, end_column)
        if start is None or end is None:
            return (1, 1, 1, 1)  # the notebook changed or vanished: its start
        return (*start, *end)

    def span(self, f: Finding) -> tuple:
        return self._pair(f.path, f.cell, (f.line, f.column, f.end_line, f.end_column))

    def edit_span(self, f: Finding, e: Edit) -> tuple:
        return self._pair(f.path, e.cell, (e.line, e.column, e.end_line, e.end_column))

    def line(self, f: Finding) -> int:
        return self.span(f)[0]
