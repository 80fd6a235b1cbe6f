"""Notebook documents (LSP 3.17 ``notebookDocument/*``): an open Jupyter notebook's code cells
linted as one module, as ``kvlint check`` lints the ``.ipynb`` file, and each cell's findings
published on the cell's own URI (its lines and columns are the cell's).

Clients that do not sync notebooks send the ``.ipynb`` as a JSON text document instead; that is
linted too (:func:`kvlint.server.engine.lint_text` places the findings in the JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from lsprotocol import types
from pygls.uris import to_fs_path

from kvlint.errors import KvlintError
from kvlint.findings import Finding
from kvlint.lint.checking import gc_paused
from kvlint.lint.sources.notebook import NotebookSource
from kvlint.notebook import PYTHON_LANGUAGES, Cell, Notebook, python_of
from kvlint.server import features
from kvlint.server.features import Linted
from kvlint.server.positions import Positions

if TYPE_CHECKING:
    from pygls.workspace import Workspace

    from kvlint.server.project import Projects


class KvlintServer(Protocol):
    """What notebook syncing needs of the server (kvlint.server.app.KvlintServer)."""

    @property
    def workspace(self) -> Workspace: ...

    linted: dict[str, Linted]
    projects: Projects

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None: ...


# What kvlint asks the client to sync: Jupyter notebooks, their Python cells.
SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(
            cells=[types.NotebookCellLanguage("python")], notebook="jupyter-notebook"
        )
    ],
    save=True,
)


@dataclass(frozen=True)
class CellText:
    number: int  # 1-based, every cell counted (as in the .ipynb and in kvlint check)
    uri: str
    version: int | None
    text: str
    code: bool  # a Python code cell


@dataclass(frozen=True)
class NotebookSnapshot:
    """What a lint of an open notebook needs, taken on the event loop."""

    uri: str
    fs_path: str | None
    name: str
    cells: tuple[CellText, ...]
    encoding: str


def snapshot(ls: KvlintServer, uri: str) -> NotebookSnapshot | None:
    notebook = ls.workspace.get_notebook_document(notebook_uri=uri)
    if notebook is None:
        return None
    cells = []
    for number, cell in enumerate(notebook.cells, 1):
        document = ls.workspace.text_documents.get(cell.document)
        if document is None:
            continue
        code = cell.kind == types.NotebookCellKind.Code and (
            (document.language_id or "python").lower() in PYTHON_LANGUAGES
        )
        cells.append(CellText(number, cell.document, document.version, document.source, code))
    encoding = ls.workspace.position_encoding
    return NotebookSnapshot(
        uri,
        to_fs_path(uri) if uri.startswith("file:") else None,
        uri.rsplit("/", 1)[-1] or "untitled.ipynb",
        tuple(cells),
        str(getattr(encoding, "value", encoding) or "utf-16"),
    )


def lint_job(
    ls: KvlintServer, shot: NotebookSnapshot, versioned: bool
) -> tuple[dict[str, Linted], str | None]:
    """On the worker thread: every cell's findings (a configuration problem: none, and why)."""

    try:
        target = ls.projects.target(shot.fs_path, shot.name, "python")
    except KvlintError as exc:
        return {}, str(exc)
    findings: list[Finding] = []
    if target.project is not None:
        code = [c for c in shot.cells if c.code]
        notebook = Notebook("", [Cell(c.number, c.text, python_of(c.text)) for c in code])
        linter = target.project.linter
        enabled = linter.settings.codes_for(target.relpath, linter.enabled)
        with gc_paused():
            findings = linter.lint_text(NotebookSource(notebook), target.path, enabled).findings
    out: dict[str, Linted] = {}
    for cell in shot.cells:
        positions = Positions(cell.text, shot.encoding)
        doc = features.Doc(cell.uri, cell.version, target.path, positions, versioned)
        mine = [f for f in findings if f.cell == cell.number]
        out[cell.uri] = Linted(doc, mine if cell.code else [])
    return out, None


def publish(ls: KvlintServer, shot: NotebookSnapshot, linted: dict[str, Linted]) -> None:
    """Each cell's diagnostics, unless the cell changed since the snapshot."""
    for cell in shot.cells:
        document = ls.workspace.text_documents.get(cell.uri)
        result = linted.get(cell.uri)
        if document is None or document.source != cell.text or result is None:
            continue
        ls.linted[cell.uri] = result
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(cell.uri, result.diagnostics, cell.version)
        )


def notebook_of_cell(ls: KvlintServer, uri: str) -> str | None:
    """The URI of the open notebook holding the cell ``uri``, if it is one."""
    notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    return notebook.uri if notebook is not None else None


def cells_of(params: types.DidCloseNotebookDocumentParams) -> list[str]:
    return [cell.uri for cell in params.cell_text_documents]
