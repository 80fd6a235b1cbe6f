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

SUFFIX = ".ipynb"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")

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
        ascii_only = _escapes_non_ascii(self.raw)
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


# -- the raw JSON: where each cell's source is, to write it back and to point into the file ----


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


def source_spans(raw: str) -> dict[int, SourceSpan]:
    """Cell index (0-based, all cells) -> where its ``source`` is in ``raw``."""
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


def _escapes_non_ascii(raw: str) -> bool:
    """Whether the file writes non-ASCII characters as ``\\uXXXX`` (json.dump's default) rather
    than as themselves (nbformat's)."""
    if not raw.isascii():
        return False
    return re.search(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])", raw) is not None


def raw_position(raw: str, cell: int, line: int, column: int) -> tuple[int, int] | None:
    """The (line, column) in the notebook file (1-based) of a cell's line and column, or None."""
    try:
        span = source_spans(raw).get(cell - 1)
    except (IndexError, ValueError, AttributeError):
        return None
    if span is None:
        return None
    offset = span.offset_of(raw, line, column)
    if offset is None:
        return None
    raw_line = raw.count("\n", 0, offset) + 1
    return raw_line, offset - (raw.rfind("\n", 0, offset) + 1) + 1
