"""The server's one door into the lint engine: the same ``Linter`` ``kvlint check`` uses,
fed from memory (the editor's text, never a temporary file)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tokenize
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from kvlint.config import Settings
from kvlint.findings import Edit, Finding, Location
from kvlint.lint.checking import gc_paused
from kvlint.lint.engine import Linter, LintResult, parse_error_finding
from kvlint.lint.project import ProjectOptions
from kvlint.lint.sources.config import kind_of
from kvlint.notebook import is_notebook, raw_position

__all__ = ["LintResult", "lint_text", "make_linter", "parse_error_finding", "warm_up"]


def make_linter(settings: Settings) -> Linter:
    """The file linter for one project's settings (Python, and configuration files by name);
    names imported from the project's other modules resolve from the files on disk."""
    return Linter(settings, ProjectOptions(fallback_root=settings.root))


MAX_REMEMBERED = 64  # documents whose last lint a linter keeps


def lint_text(linter: Linter, text: str, path: str, relpath: str) -> LintResult:
    """Lint an open document exactly as ``kvlint check`` lints the file ``path``: a file that
    mentions no Key Vault word is linted when it imports a Key Vault module of its project.

    Each document's last result is kept (per linter, so per settings): the same text whose
    project modules still say what they said (``used``, as the result cache checks it) is
    answered without linting again (a save, another file changing, a settings reload)."""
    linter.__dict__.pop("project", None)  # each lint reads the other modules as they are now
    remembered: OrderedDict[str, tuple[str, LintResult]] = linter.__dict__.setdefault(
        "_documents", OrderedDict()
    )
    key = hashlib.sha256(f"{relpath}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()
    known = remembered.get(path)
    if known is not None and known[0] == key:
        project = linter.project
        if project is None or project.unchanged(path, known[1].used):
            remembered.move_to_end(path)
            return _converted(replace(known[1], findings=list(known[1].findings)), text, path)
    result = _lint(linter, text, path, relpath)
    if result.parsed:  # a file linted for its imports alone is cheap, and depends on them
        remembered[path] = (key, replace(result, findings=list(result.findings)))
        while len(remembered) > MAX_REMEMBERED:
            remembered.popitem(last=False)
    return _converted(result, text, path)


def _converted(result: LintResult, text: str, path: str) -> LintResult:
    if is_notebook(path):  # a notebook opened as text: its JSON is the document
        result.findings = [in_notebook_text(f, text) for f in result.findings]
    return result


def _lint(linter: Linter, text: str, path: str, relpath: str) -> LintResult:
    data = _encode(text, path)
    imports_kv = False
    project = linter.project
    alone = project is None or not os.path.isabs(path) or kind_of(path) is not None
    if project is not None and not alone and not linter.wants(data):
        from kvlint.lint.project.reach import Reach
        from kvlint.lint.sources.python import worth_summarising

        reach = Reach(project.modules, linter.wants, worth_summarising, tells=linter.tells)
        imports_kv = reach.imports_wanted(Path(path), data)
    with gc_paused():
        return linter.lint_bytes(data, path, relpath, imports_kv)


def in_notebook_text(finding: Finding, raw: str) -> Finding:
    """A notebook finding (cell, line in the cell) placed in the notebook's JSON text, with its
    fix's replacements written as JSON string content (dropped when one cannot be placed)."""
    where = finding.location
    if where is None or not where.cell:
        return finding
    start = raw_position(raw, where.cell, where.line, where.column)
    end = raw_position(raw, where.cell, where.end_line, where.end_column)
    if start is None or end is None:
        start = end = (1, 1)
    location = Location(where.path, *start, *end)
    fix = finding.fix
    if fix is not None:
        edits: list[Edit] = []
        for edit in fix.edits:
            first = raw_position(raw, edit.cell, edit.line, edit.column)
            last = raw_position(raw, edit.cell, edit.end_line, edit.end_column)
            if first is None or last is None or first[0] != last[0]:
                edits = []
                break
            edits.append(Edit(*first, *last, json.dumps(edit.content, ensure_ascii=False)[1:-1]))
        fix = replace(fix, edits=tuple(edits)) if edits else None
    return replace(finding, location=location, fix=fix)


def warm_up() -> None:
    """Import libcst, the checks and the parser by linting a two-line file, so that the
    first document the user opens pays only for its own lint."""
    lint_text(make_linter(Settings()), "import azure.identity\n\n", "warm_up.py", "warm_up.py")


def _encode(text: str, path: str) -> bytes:
    """The bytes the engine decodes back to ``text``: a Python file that declares another
    encoding (PEP 263) is encoded with it, everything else as UTF-8."""
    data = text.encode("utf-8", "surrogatepass")
    if kind_of(path) is not None or is_notebook(path):
        return data
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data  # the engine reports the bad declaration
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return text.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return data
