"""Findings as LSP diagnostics, code actions (safe fix, fix all, add ``# noqa``) and hovers.

Pure functions of a document's text and its findings; no I/O, no server state.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from lsprotocol import types

from kvlint import catalog
from kvlint.errors import KvlintError
from kvlint.findings import Finding
from kvlint.lint import suppress
from kvlint.lint.sources.config import kind_of
from kvlint.notebook import is_notebook
from kvlint.redact import mask
from kvlint.server.positions import Positions

SOURCE = "kvlint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.kvlint"
SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
NO_NOQA = ("KV000", "KV100")  # a file that does not parse; a suppression that is unused


@dataclass(frozen=True)
class Doc:
    """One version of an open document, as the code actions need it."""

    uri: str
    version: int | None
    path: str  # as the engine saw it
    positions: Positions
    versioned_edits: bool = True  # the client takes documentChanges (else plain changes)


@functools.cache
def rule(code: str) -> catalog.Rule | None:
    try:
        return catalog.get(code)
    except KvlintError:
        return None


def diagnostic(finding: Finding, positions: Positions) -> types.Diagnostic:
    line, column, end_line, end_column = _span(finding, positions)
    found = rule(finding.code)
    href = found.help_uri if found else None
    return types.Diagnostic(
        range=positions.range(line, column, end_line, end_column),
        message=mask(finding.message),  # like every output of kvlint: never a whole token
        severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary] if finding.code == "KV100" else None,
        data={"fixable": is_safe_fix(finding)},
    )


def _span(finding: Finding, positions: Positions) -> tuple[int, int, int, int]:
    """The finding's span; an empty one (a syntax error's point) covers one character, so
    that every editor can show it."""
    span = (finding.line, finding.column, finding.end_line, finding.end_column)
    lines = positions.lines
    on_a_character = 0 < finding.line <= len(lines) and finding.column <= len(
        lines[finding.line - 1]
    )
    if span[:2] == span[2:] and on_a_character:
        return (finding.line, finding.column, finding.line, finding.column + 1)
    return span


def is_safe_fix(finding: Finding) -> bool:
    return bool(finding.edits) and finding.fix_applicability == "safe"


def at(findings: Iterable[Finding], positions: Positions, where: types.Range) -> list[Finding]:
    """The findings whose (displayed) span overlaps or touches ``where``."""
    start = positions.from_lsp(where.start)
    end = positions.from_lsp(where.end)
    out = []
    for finding in findings:
        line, column, end_line, end_column = _span(finding, positions)
        if (line, column) <= end and start <= (end_line, end_column):
            out.append(finding)
    return out


def fix_action(doc: Doc, finding: Finding) -> types.CodeAction:
    edits = [doc.positions.edit(edit) for edit in finding.edits]
    return types.CodeAction(
        title=f"kvlint: {fix_title(finding, doc.positions)}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(finding, doc.positions)],
        is_preferred=True,
        edit=_workspace_edit(doc, edits),
    )


def fix_title(finding: Finding, positions: Positions) -> str:
    """``Fix KV101: replace with `...` `` for one short edit, else the rule's name."""
    if len(finding.edits) == 1:
        edit = finding.edits[0]
        if edit.line == edit.end_line and edit.line <= len(positions.lines):
            old = positions.lines[edit.line - 1][edit.column - 1 : edit.end_column - 1]
            if not edit.content and old.strip():
                return f"Fix {finding.code}: remove `{old.strip()}`"
            if edit.content and "\n" not in edit.content and len(edit.content) <= 60:
                return f"Fix {finding.code}: replace with `{edit.content}`"
    return f"Fix {finding.code} ({finding.name})"


def fix_all_action(
    doc: Doc, findings: list[Finding], lazy: bool = False
) -> types.CodeAction | None:
    """Every safe fix at once (edits that overlap another are left for the next run)."""
    if not any(is_safe_fix(f) for f in findings):
        return None
    action = types.CodeAction(
        title="kvlint: fix all safe fixes",
        kind=FIX_ALL_KIND,
        data={"uri": doc.uri, "version": doc.version, "fix_all": True},
    )
    return action if lazy else resolve(action, doc, findings)


def noqa_action(
    doc: Doc, findings: list[Finding], index: int, lazy: bool = False
) -> types.CodeAction | None:
    """``# noqa: CODE`` placed as ``kvlint check --add-noqa`` places it (none where it cannot
    go: JSON has no comments; a line that ends inside a string). ``lazy``: the edit is made
    by :func:`resolve` when the user picks the action (``codeAction/resolve``)."""
    finding = findings[index]
    if finding.code in NO_NOQA or kind_of(doc.path) == "json" or is_notebook(doc.path):
        # JSON has no comments; a notebook opened as text is JSON (a cell's noqa is written
        # in the notebook editor, or by `kvlint check --add-noqa`)
        return None
    action = types.CodeAction(
        title=f"kvlint: add `# noqa: {finding.code}`",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(finding, doc.positions)],
        data={"uri": doc.uri, "version": doc.version, "noqa": index},
    )
    return action if lazy else resolve(action, doc, findings)


def resolve(action: types.CodeAction, doc: Doc, findings: list[Finding]) -> types.CodeAction | None:
    """Fill in the edit of a fix-all or noqa action made for ``doc`` (None: nothing to do)."""
    data = action.data if isinstance(action.data, dict) else {}
    if data.get("uri") != doc.uri or data.get("version") != doc.version:
        return None  # made for another text
    text = doc.positions.text
    if data.get("fix_all"):
        fixable = [f for f in findings if is_safe_fix(f)]
        new_text = doc.positions.apply([edit for f in fixable for edit in f.edits])
    elif isinstance(data.get("noqa"), int) and 0 <= data["noqa"] < len(findings):
        new_text, _, _ = suppress.add_noqa(text, [findings[data["noqa"]]], kind_of(doc.path))
    else:
        return None
    edit = doc.positions.replace_with(new_text)
    if edit is None:
        return None
    action.edit = _workspace_edit(doc, [edit])
    return action


def _workspace_edit(doc: Doc, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    """Versioned document changes (a client refuses them once the text is newer) where the
    client takes them, else plain changes."""
    if not doc.versioned_edits:
        return types.WorkspaceEdit(changes={doc.uri: list(edits)})
    identifier = types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version)
    return types.WorkspaceEdit(
        document_changes=[types.TextDocumentEdit(text_document=identifier, edits=list(edits))]
    )


def hover(findings: list[Finding], positions: Positions) -> types.Hover | None:
    if not findings:
        return None
    parts = []
    for finding in findings:
        found = rule(finding.code)
        heading = f"**{finding.code}** `{finding.name}` ({finding.severity})"
        if found is None:
            parts.append(heading)
            continue
        lines = [heading, "", found.summary.strip()]
        if found.fix != "none":
            lines += ["", f"Autofix: {found.fix}."]
        if found.references:
            lines += ["", *(f"- [{ref.title}]({ref.url})" for ref in found.references)]
        lines += ["", f"`kvlint rule {finding.code}` shows the whole page."]
        parts.append("\n".join(lines))
    first = findings[0]
    span = _span(first, positions)
    return types.Hover(
        contents=types.MarkupContent(types.MarkupKind.Markdown, "\n\n---\n\n".join(parts)),
        range=positions.range(*span),
    )


@dataclass
class Linted:
    """A document's findings for one version of its text."""

    doc: Doc
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None  # a configuration error: no diagnostics, shown once
    diagnostics: list[types.Diagnostic] = field(init=False)

    def __post_init__(self) -> None:  # on the worker thread, with the lint
        self.diagnostics = [diagnostic(f, self.doc.positions) for f in self.findings]
