"""Jupyter notebooks (``.ipynb``): their code cells as one Python module, and back.

A notebook's code cells run one after another in one namespace (a client built in one cell is
read in a loop in another), so kvlint lints them as one module: the cells' text joined, each
cell starting on a new line. IPython syntax that is not Python (line magics ``%time``, shell
lines ``!pip install``, ``x = !ls``, help ``obj?``, a whole-cell magic such as ``%%bash``, and
Databricks' language magics ``%sql`` / ``%md`` / ``%scala`` at the top of a cell) is replaced by
a placeholder of the same line count, so every other line keeps its cell, line and column.

Positions are reported as ruff reports notebooks: the notebook's path, the cell (1-based, every
cell of the notebook counted, markdown included, as in the file's ``cells`` array) and the line
and column inside that cell. :func:`raw_position` maps them to the line and column of the
``.ipynb`` file itself (SARIF and GitHub annotations point into the file).

Writing back (:meth:`Notebook.dump`) replaces only the JSON strings of the source lines that
changed: outputs, metadata, key order, indentation and escapes elsewhere stay byte for byte.

This module knows JSON and IPython, not Key Vault, and imports nothing from the linter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property

from kvlint.notebook.raw import escapes_non_ascii, raw_position, source_spans

__all__ = [
    "Cell",
    "Notebook",
    "NotebookError",
    "is_notebook",
    "is_source_notebook",
    "load",
    "python_of",
    "python_of_source_notebook",
    "raw_position",
]

SUFFIX = ".ipynb"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Whole-cell magics whose body is Python run as usual (IPython's and Databricks').
PYTHON_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "python", "python3", "pypy", "pyspark"}
)
# A Databricks or Synapse cell whose first line is one of these is not Python at all.
LANGUAGE_MAGICS = frozenset(
    {
        "md",
        "md-sandbox",
        "sql",
        "scala",
        "r",
        "sh",
        "fs",
        "spark",
        "sparkr",
        "csharp",
        "sql_magic",
        "html",
        "javascript",
        "bash",
        "latex",
        "markdown",
    }
)
PYTHON_LANGUAGES = frozenset({"python", "python3", "ipython", "ipython3", "pyspark", "python2"})

_MAGIC = re.compile(r"[ \t]*(?:%|!|\?)")  # line magic, shell escape, help (?obj)
_HELP = re.compile(r"[ \t]*[A-Za-z_][\w.]*(?:\(\))?\?\??[ \t]*$")  # obj? / obj.attr??
_ASSIGNED = re.compile(r"([ \t]*[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*[ \t]*=)[ \t]*[%!]")
_INDENT = re.compile(r"[ \t]*")
_INDENTED_HEADER = "if True:\n"  # before a cell whose code starts indented (Cell.indented)


class NotebookError(ValueError):
    """The file is not a notebook kvlint can read: a message and where (1-based, in the file)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def is_notebook(path: str) -> bool:
    return str(path).lower().endswith(SUFFIX)


@dataclass(frozen=True)
class Cell:
    """A code cell: its number (1-based among all cells), its source as stored, and the Python
    the rules read (same lines; magics replaced)."""

    number: int
    source: str
    code: str

    @cached_property
    def lines(self) -> list[str]:
        """The cell's lines as shown (the source's, split at any line break)."""
        return _LINE_BREAK.split(self.source)

    @cached_property
    def indented(self) -> bool:
        """Its first line of code is indented: IPython runs such a cell dedented (its
        ``leading_indent`` cleanup); the module puts it under an ``if True:`` line instead, so
        that every line and column stays where it is."""
        lines = _LINE_BREAK.split(self.code)
        first = next((line for line in lines if line.strip()[:1] not in ("", "#")), "")
        return first[:1] in (" ", "\t")


@dataclass
class Notebook:
    """A parsed notebook: its raw text, its code cells and the module made of them."""

    raw: str
    cells: list[Cell]
    bom: bool = False
    starts: list[int] = field(default_factory=list)  # each cell's first line in ``text``

    @cached_property
    def text(self) -> str:
        """The cells' Python joined into one module (each cell ends with a line break)."""
        parts = []
        self.starts.clear()
        line = 1
        for cell in self.cells:
            if cell.indented:
                parts.append(_INDENTED_HEADER)
                line += 1
            self.starts.append(line)
            code = cell.code
            if code and not code.endswith(("\n", "\r")):
                code += "\n"
            parts.append(code)
            line += len(_LINE_BREAK.findall(code))
        return "".join(parts)

    def where(self, line: int) -> tuple[int, int]:
        """(cell number, line in the cell) of a line of :attr:`text` (1-based)."""
        _ = self.text
        if not self.cells:
            return 1, line
        index = 0
        for i, start in enumerate(self.starts):
            if start <= line:
                index = i
            else:
                break
        return self.cells[index].number, line - self.starts[index] + 1

    def line_of(self, cell: int, line: int) -> int:
        """The line of :attr:`text` for a line of a cell (inverse of :meth:`where`)."""
        _ = self.text
        for i, candidate in enumerate(self.cells):
            if candidate.number == cell:
                return self.starts[i] + line - 1
        raise KeyError(cell)

    def cell(self, number: int) -> Cell | None:
        return next((c for c in self.cells if c.number == number), None)

    def with_text(self, text: str) -> Notebook | None:
        """The notebook whose module is ``text``: an edit of :attr:`text` that keeps every
        cell's line count and leaves the placeholder lines alone (else None)."""
        _ = self.text
        lines = _LINE_BREAK.split(text)
        if len(lines) != len(_LINE_BREAK.split(self.text)):
            return None
        cells = []
        for i, cell in enumerate(self.cells):
            start = self.starts[i] - 1
            if cell.indented and lines[start - 1] != _INDENTED_HEADER.rstrip("\n"):
                return None  # the line kvlint added before an indented cell
            code_lines = _LINE_BREAK.split(cell.code)
            source_lines = cell.lines
            source_breaks = _LINE_BREAK.findall(cell.source)
            count = len(_LINE_BREAK.findall(cell.code)) + (
                1 if cell.code and not cell.code.endswith(("\n", "\r")) else 0
            )
            pieces = []
            for k in range(count):
                new_line = lines[start + k]
                if code_lines[k] != source_lines[k]:  # a placeholder: must be left alone
                    if new_line != code_lines[k]:
                        return None
                    new_line = source_lines[k]
                pieces.append(new_line + (source_breaks[k] if k < len(source_breaks) else ""))
            source = "".join(pieces)
            cells.append(Cell(cell.number, source, python_of(source)))
        return Notebook(self.raw, cells, self.bom)

    def dump(self, new: Notebook) -> str:
        """The notebook's raw text with the source of ``new``'s cells written in: only the
        JSON strings of changed lines change (a cell whose line count changed is written again
        in the layout of its neighbours)."""
        changed = {
            c.number: c.source
            for c, old in zip(new.cells, self.cells, strict=True)
            if c.source != old.source
        }
        if not changed:
            return self.raw
        spans = source_spans(self.raw)
        ascii_only = escapes_non_ascii(self.raw)
        out = self.raw
        for number in sorted(changed, reverse=True):
            span = spans[number - 1]
            out = (
                out[: span.start] + span.rewrite(out, changed[number], ascii_only) + out[span.end :]
            )
        return out


def python_of(source: str) -> str:
    """The Python of a cell's source: IPython-only lines replaced, line count kept."""
    lines = _LINE_BREAK.split(source)
    breaks = [*_LINE_BREAK.findall(source), ""]
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("%%"):
        name = first[2:].split(None, 1)[0] if first[2:].strip() else ""
        if name not in PYTHON_CELL_MAGICS:
            return "".join(brk for brk in breaks)  # not Python: blank lines only
        out = []
        done = False
        for line, brk in zip(lines, breaks, strict=True):
            if not done and line.strip():
                out.append(brk)  # the %%time line itself
                done = True
            else:
                out.append(line + brk)
        return python_of("".join(out))
    if first.startswith("%"):
        name = first[1:].split(None, 1)[0] if first[1:].strip() else ""
        if name.lower() in LANGUAGE_MAGICS:
            return "".join(brk for brk in breaks)
    if not any(_MAGIC.match(line) or _HELP.match(line) or _ASSIGNED.match(line) for line in lines):
        return source
    out = []
    continued = False
    for line, brk in zip(lines, breaks, strict=True):
        assigned = _ASSIGNED.match(line)
        magic = continued or _MAGIC.match(line) or (_HELP.match(line) and line.strip())
        if assigned and not continued:
            out.append(assigned.group(1) + " None" + brk)
        elif magic:
            indent = _INDENT.match(line).group(0)  # type: ignore[union-attr]
            out.append((indent + "pass" if not continued else "") + brk)
        else:
            out.append(line + brk)
            continued = False
            continue
        continued = line.rstrip().endswith("\\")
    return "".join(out)


# Notebooks exported as Python source: a header line, then cells between separator lines.
_SOURCE_HEADERS = (
    "# Databricks notebook source",
    "# Fabric notebook source",
    "# Synapse Analytics notebook source",
)
_CELL_SEPARATOR = re.compile(r"[ \t]*# (?:COMMAND -{3,}|CELL \*{3,}|MARKDOWN \*{3,})[ \t]*$")


def is_source_notebook(text: str) -> bool:
    """A notebook exported as a ``.py`` file (Databricks, Fabric, Synapse)."""
    return text.lstrip("\ufeff").startswith(_SOURCE_HEADERS)


def python_of_source_notebook(text: str) -> str:
    """The Python of a notebook exported as source: each cell (between ``# COMMAND ----------``
    or ``# CELL ****`` lines) as :func:`python_of` reads a cell; the same lines and columns."""
    lines = _LINE_BREAK.split(text)
    breaks = [*_LINE_BREAK.findall(text), ""]
    out: list[str] = []
    cell: list[str] = []

    def flush() -> None:
        if cell:
            out.append(python_of("".join(cell)))
            cell.clear()

    for line, brk in zip(lines, breaks, strict=True):
        if _CELL_SEPARATOR.match(line):
            flush()
            out.append(line + brk)
        else:
            cell.append(line + brk)
    flush()
    return "".join(out)


def load(data: bytes) -> Notebook:
    """Parse a notebook's bytes; raises :class:`NotebookError` for what is not one."""
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        raw = data.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NotebookError(
            f"cannot read notebook: not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line})",
            line,
        ) from None
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"malformed notebook: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise NotebookError("malformed notebook: JSON nested too deeply") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        if isinstance(document, dict) and "worksheets" in document:
            raise NotebookError(
                "nbformat 3 notebook: convert it with `jupyter nbconvert --to notebook` to lint it"
            )
        raise NotebookError("not a Jupyter notebook: no `cells` list at the top level")
    if not _is_python(document.get("metadata")):
        return Notebook(raw, [], bom)
    cells = []
    for number, cell in enumerate(document["cells"], 1):
        if not isinstance(cell, dict):
            raise NotebookError(f"malformed notebook: cell {number} is not an object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"malformed notebook: cell {number}'s source is not text")
        if not _cell_is_python(cell.get("metadata")):
            continue
        cells.append(Cell(number, source, python_of(source)))
    return Notebook(raw, cells, bom)


def _is_python(metadata: object) -> bool:
    """Whether the notebook's kernel runs Python (no language said: assume it does)."""
    if not isinstance(metadata, dict):
        return True
    for holder, key in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(holder)
        if isinstance(section, dict) and isinstance(section.get(key), str):
            return section[key].strip().lower() in PYTHON_LANGUAGES
    databricks = metadata.get("application/vnd.databricks.v1+notebook")
    if isinstance(databricks, dict) and isinstance(databricks.get("language"), str):
        return databricks["language"].lower() in PYTHON_LANGUAGES
    return True


def _cell_is_python(metadata: object) -> bool:
    """A cell may say it holds another language (VS Code, Synapse / Fabric)."""
    if not isinstance(metadata, dict):
        return True
    for holder, key in (("vscode", "languageId"), ("microsoft", "language")):
        section = metadata.get(holder)
        if isinstance(section, dict) and isinstance(section.get(key), str):
            return section[key].strip().lower() in PYTHON_LANGUAGES
    return True
