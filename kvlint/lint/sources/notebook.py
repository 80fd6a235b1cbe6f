"""Jupyter notebooks as a lint source: the code cells as one Python module
(:mod:`kvlint.notebook`), linted like any Python file, then every position moved into its
cell; fixes map back to the module's lines and are written into the cells' JSON strings."""

from __future__ import annotations

import re
from dataclasses import replace

from kvlint.findings import Edit, Finding, Location
from kvlint.lint.sources import SourceFile
from kvlint.notebook import Notebook, NotebookError, is_notebook, load

__all__ = ["NotebookError", "NotebookSource", "is_notebook", "read"]

_ON_LINE = re.compile(r"\bon line (\d+)\b")


class NotebookSource(SourceFile):
    """A notebook: ``text`` is its cells' module; ``encode`` gives the notebook's bytes."""

    def __init__(self, notebook: Notebook) -> None:
        super().__init__(notebook.text, "utf-8")
        self.notebook = notebook

    def encode(self, text: str) -> bytes:
        """The notebook file with the module ``text`` (an edit of this one) written back."""
        new = self.notebook.with_text(text)
        if new is None:
            raise ValueError("an edit changed a notebook cell's line count or a magic line")
        raw = self.notebook.dump(new)
        return ("\ufeff" if self.notebook.bom else "").encode() + raw.encode("utf-8")

    def with_text(self, text: str) -> NotebookSource | None:
        new = self.notebook.with_text(text)
        return None if new is None else NotebookSource(new)

    def changes(self, text: str, display: str) -> list[tuple[str, str, str]]:
        """The cells an edit of the module changes, each as ``path:cell N`` (as ruff)."""
        new = self.notebook.with_text(text)
        if new is None:
            return []
        return [
            (f"{display}:cell {after.number}", _ended(before.source), _ended(after.source))
            for before, after in zip(self.notebook.cells, new.cells, strict=True)
            if before.source != after.source
        ]

    # -- positions: the module's lines <-> cells --------------------------------------------
    def to_cells(self, finding: Finding) -> Finding:
        """The finding with its location and edits in cell coordinates."""
        where = finding.location
        if where is None:
            return finding
        cell, line = self.notebook.where(where.line)
        end_cell, end_line = self.notebook.where(where.end_line)
        if end_cell != cell:  # a span over several cells (never from a rule): cut it
            end_line, end_column = line, where.column
        else:
            end_column = where.end_column
        location = Location(where.path, line, where.column, end_line, end_column, cell)
        fix = finding.fix
        if fix is not None:
            edits = []
            for edit in fix.edits:
                edit_cell, first = self.notebook.where(edit.line)
                _, last = self.notebook.where(edit.end_line)
                edits.append(
                    Edit(first, edit.column, last, edit.end_column, edit.content, edit_cell)
                )
            fix = replace(fix, edits=tuple(edits))
        message = self.in_cells(finding.message, finding.path)
        return replace(finding, location=location, fix=fix, message=message)

    def in_cells(self, text: str, path: str) -> str:
        """``text`` with the module's lines it names (``at nb.ipynb:12``, ``on line 12``: the
        chains of :mod:`kvlint.lint.facts.frequency` and call-site propagation, in a finding's
        message or in what the notebook tells another module) said as the cell's."""

        def at(match: re.Match[str]) -> str:
            cell, line = self.notebook.where(int(match.group(1)))
            return f"{path}:cell {cell}:{line}"

        def on(match: re.Match[str]) -> str:
            cell, line = self.notebook.where(int(match.group(1)))
            return f"on line {line} of cell {cell}"

        message = re.sub(re.escape(path) + r":(\d+)\b", at, text) if path else ""
        return _ON_LINE.sub(on, message or text)

    def to_module(self, edit: Edit) -> Edit:
        """A cell's edit in the module's lines (inverse of :meth:`to_cells`)."""
        if not edit.cell:
            return edit
        return Edit(
            self.notebook.line_of(edit.cell, edit.line),
            edit.column,
            self.notebook.line_of(edit.cell, edit.end_line),
            edit.end_column,
            edit.content,
        )

    def module_finding(self, finding: Finding) -> Finding:
        """A cell finding in the module's lines (``--add-noqa`` works on the module)."""
        where = finding.location
        if where is None or not where.cell:
            return finding
        location = Location(
            where.path,
            self.notebook.line_of(where.cell, where.line),
            where.column,
            self.notebook.line_of(where.cell, where.end_line),
            where.end_column,
        )
        return replace(finding, location=location)


def _ended(text: str) -> str:
    """A cell's text as a diff shows it: its last line ends like the others."""
    return text if not text or text.endswith(("\n", "\r")) else text + "\n"


def read(data: bytes) -> NotebookSource:
    """The notebook in ``data``; raises :class:`NotebookError` (a KV000 for the file)."""
    return NotebookSource(load(data))
