"""``kvlint server`` end to end: a real LSP client (pytest-lsp) talks to the real ``kvlint
server`` entry point over stdio. Diagnostics, code actions, hover and settings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pytest_lsp")

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from kvlint import catalog
from tests.lsp_client import (
    Editor,
    capabilities,
    make_client,
    server_command,
    utf16_column,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SLASH = "https://vault.azure.net/"
HEADER = (
    "from azure.identity import DefaultAzureCredential\n\ncredential = DefaultAzureCredential()\n"
)
BAD = HEADER + f'token = credential.get_token("{SLASH}")\n'
GOOD = HEADER + 'token = credential.get_token("https://vault.azure.net/.default")\n'
PYPROJECT = """\
[tool.kvlint]
extend-exclude = ["generated"]
per-file-ignores = { "legacy/*.py" = ["KV101"] }
severity = { KV101 = "warning" }
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ws").resolve()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    for folder in ("configured", "configured/legacy", "configured/generated", "plain"):
        (root / folder).mkdir()
    (root / "configured" / "pyproject.toml").write_text(PYPROJECT)
    return root


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=server_command(), client_factory=make_client),
)
async def client(lsp_client: LanguageClient, workspace: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(workspace.as_uri(), "ws")],
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture(scope="module")
def editor(client: LanguageClient) -> Editor:
    return Editor(client)


def _only(diagnostics: list[types.Diagnostic], code: str) -> types.Diagnostic:
    matching = [d for d in diagnostics if d.code == code]
    assert len(matching) == 1, diagnostics
    return matching[0]


async def test_open_publishes_the_engine_findings(editor: Editor, workspace: Path) -> None:
    found = await editor.open(workspace / "plain" / "open.py", BAD)
    diagnostic = _only(found, "KV101")
    line = BAD.splitlines()[3]
    start = line.index('"')
    assert diagnostic.range == types.Range(
        types.Position(3, start), types.Position(3, start + len(SLASH) + 2)
    )
    assert diagnostic.source == "kvlint"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href == catalog.get("KV101").help_uri
    assert "401" in diagnostic.message


async def test_change_and_save_relint_the_text_in_memory(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "typing.py"  # never written to disk
    assert await editor.open(path, GOOD) == []
    assert [d.code for d in await editor.change(path, BAD)] == ["KV101"]
    assert await editor.change(path, GOOD) == []
    assert not path.exists()
    await editor.change(path, BAD.replace("token =", "tok ="))
    assert [d.code for d in await editor.save(path)] == ["KV101"]


async def test_changes_typed_quickly_publish_only_the_last_text(
    editor: Editor, workspace: Path
) -> None:
    path = workspace / "plain" / "burst.py"
    await editor.open(path, GOOD)
    uri = path.as_uri()
    start = editor.mark()
    for _ in range(5):  # keystrokes inside the debounce window
        editor.versions[uri] += 1
        editor.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=editor.versions[uri]),
                [types.TextDocumentContentChangeWholeDocument(BAD)],
            )
        )
    editor.texts[uri] = BAD
    from tests.lsp_client import diagnostics

    found = await diagnostics(editor.client, uri, editor.versions[uri], start)
    assert [d.code for d in found] == ["KV101"]
    versions = [p.version for p in editor.client.published[start:] if p.uri == uri]
    assert versions == [editor.versions[uri]]  # one lint for the burst, not five


async def test_fix_action_gives_the_fixed_text(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "fix.py"
    found = await editor.open(path, BAD)
    actions = await editor.actions(path, _only(found, "KV101").range)
    fix = next(a for a in actions if a.is_preferred)
    assert fix.kind == types.CodeActionKind.QuickFix
    assert "KV101" in fix.title
    assert await editor.applied(path, fix) == GOOD
    assert await editor.change(path, GOOD) == []


async def test_noqa_action_silences_the_finding(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "noqa.py"
    found = await editor.open(path, BAD)
    actions = await editor.actions(path, _only(found, "KV101").range)
    noqa = next(a for a in actions if "noqa" in a.title)
    fixed = await editor.applied(path, noqa)
    assert fixed == BAD.replace(f'("{SLASH}")\n', f'("{SLASH}")  # noqa: KV101\n')
    assert await editor.change(path, fixed) == []


async def test_noqa_action_merges_into_an_existing_directive(
    editor: Editor, workspace: Path
) -> None:
    path = workspace / "plain" / "merge.py"
    text = BAD.replace(f'("{SLASH}")\n', f'("{SLASH}")  # noqa: E501\n')
    found = await editor.open(path, text)
    actions = await editor.actions(path, _only(found, "KV101").range)
    noqa = next(a for a in actions if "noqa" in a.title)
    assert (await editor.applied(path, noqa)).endswith(f'("{SLASH}")  # noqa: E501, KV101\n')


async def test_fix_all_source_action(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "fixall.py"
    text = BAD + f'other = credential.get_token("{SLASH}")\n'
    found = await editor.open(path, text)
    assert [d.code for d in found] == ["KV101", "KV101"]
    everything = types.Range(types.Position(0, 0), types.Position(0, 0))
    actions = await editor.actions(path, everything, only=[types.CodeActionKind.SourceFixAll])
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.kvlint"
    assert await editor.applied(path, fix_all) == text.replace(SLASH + '"', SLASH + '.default"')


async def test_no_actions_away_from_findings(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "away.py"
    await editor.open(path, BAD)
    first_line = types.Range(types.Position(0, 0), types.Position(0, 4))
    assert await editor.actions(path, first_line, only=[types.CodeActionKind.QuickFix]) == []


async def test_hover_shows_the_rule_summary_and_link(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "hover.py"
    diagnostic = _only(await editor.open(path, BAD), "KV101")
    inside = types.Position(3, diagnostic.range.start.character + 3)
    result = await editor.client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(path.as_uri()), inside)
    )
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    rule = catalog.get("KV101")
    assert rule.summary.strip() in result.contents.value
    assert f"]({rule.help_uri})" in result.contents.value
    assert result.range == diagnostic.range
    outside = types.Position(0, 0)
    assert (
        await editor.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(path.as_uri()), outside)
        )
        is None
    )


async def test_pyproject_settings_apply(editor: Editor, workspace: Path) -> None:
    configured = workspace / "configured"
    found = await editor.open(configured / "app.py", BAD)
    assert _only(found, "KV101").severity == types.DiagnosticSeverity.Warning  # severity table
    assert await editor.open(configured / "legacy" / "old.py", BAD) == []  # per-file-ignores
    assert await editor.open(configured / "generated" / "gen.py", BAD) == []  # extend-exclude
    assert await editor.open(configured / "notes.txt", BAD, "plaintext") == []  # not a source


async def test_settings_reload_when_pyproject_changes(editor: Editor, workspace: Path) -> None:
    folder = workspace / "reloaded"
    folder.mkdir()
    path = folder / "app.py"
    assert [d.code for d in await editor.open(path, BAD)] == ["KV101"]
    pyproject = folder / "pyproject.toml"
    pyproject.write_text('[tool.kvlint]\nignore = ["KV101"]\n')
    after = editor.mark()
    editor.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(pyproject.as_uri(), types.FileChangeType.Created)]
        )
    )
    from tests.lsp_client import diagnostics

    assert (
        await diagnostics(editor.client, path.as_uri(), editor.versions[path.as_uri()], after) == []
    )
    # edited again, and saved in the editor: reloaded without a file-watcher event
    text = '[tool.kvlint]\nselect = ["KV101"]\n'
    pyproject.write_text(text)
    await editor.open(pyproject, text, "toml")
    after = editor.mark()
    editor.client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(pyproject.as_uri()))
    )
    found = await diagnostics(editor.client, path.as_uri(), editor.versions[path.as_uri()], after)
    assert [d.code for d in found] == ["KV101"]


async def test_server_watches_pyproject_files(editor: Editor) -> None:
    from tests.lsp_client import until

    await until(lambda: editor.client.registrations)
    (registration,) = editor.client.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    globs = [w["globPattern"] for w in registration.register_options["watchers"]]
    assert globs == ["**/pyproject.toml"]


async def test_broken_pyproject_is_shown_once_and_nothing_crashes(
    editor: Editor, workspace: Path
) -> None:
    folder = workspace / "broken"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[tool.kvlint]\nselect = ["NOPE"]\n')
    assert await editor.open(folder / "a.py", BAD) == []
    assert await editor.open(folder / "b.py", BAD) == []
    shown = [m for m in editor.client.messages if "NOPE" in m.message]
    assert len(shown) == 1 and shown[0].type == types.MessageType.Error
    assert "unknown rule code" in shown[0].message
    assert [d.code for d in await editor.open(workspace / "plain" / "after.py", BAD)] == ["KV101"]


async def test_syntax_error_is_kv000_and_the_server_goes_on(
    editor: Editor, workspace: Path
) -> None:
    path = workspace / "plain" / "broken.py"
    found = await editor.open(path, HEADER + "def f(:\n    credential.get_token('x')\n")
    diagnostic = _only(found, "KV000")
    assert diagnostic.range.start.line == 3
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert "syntax" in diagnostic.message.lower()
    assert [d.code for d in await editor.change(path, BAD)] == ["KV101"]


async def test_non_ascii_positions_are_utf16(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "emoji.py"
    line = f'greeting = "héllo 😀"; token = credential.get_token("{SLASH}")  # ünïcode'
    text = HEADER + "\f\n" + line + "\n"
    diagnostic = _only(await editor.open(path, text), "KV101")
    start = line.index(f'"{SLASH}"')
    assert diagnostic.range.start == types.Position(4, utf16_column(line, start))
    assert diagnostic.range.end == types.Position(4, utf16_column(line, start + len(SLASH) + 2))
    assert utf16_column(line, start) == start + 1  # the emoji is two UTF-16 units
    actions = await editor.actions(path, diagnostic.range)
    fix = next(a for a in actions if a.is_preferred)
    assert await editor.applied(path, fix) == text.replace(SLASH + '"', SLASH + '.default"')
    noqa = next(a for a in actions if "noqa" in a.title)
    assert await editor.applied(path, noqa) == text.replace("# ünïcode", "# ünïcode  # noqa: KV101")


async def test_config_files_are_linted(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "settings.yaml"
    text = textwrap.dedent(
        f"""\
        # 日本語 comment
        auth:
          resource: {SLASH}
        """
    )
    diagnostic = _only(await editor.open(path, text, "yaml"), "KV101")
    assert diagnostic.range.start.line == 2
    actions = await editor.actions(path, diagnostic.range)
    fix = next(a for a in actions if a.is_preferred)
    # a key named "resource" takes the v1 resource, as `kvlint check --fix` writes it
    assert await editor.applied(path, fix) == text.replace(SLASH, SLASH.rstrip("/"))
    noqa = next(a for a in actions if "noqa" in a.title)  # placed as check --add-noqa does
    assert await editor.applied(path, noqa) == text.replace(SLASH, SLASH + "  # noqa: KV101")
    json_path = workspace / "plain" / "settings.json"
    json_text = f'{{"resource": "{SLASH}"}}\n'
    json_found = await editor.open(json_path, json_text, "json")
    actions = await editor.actions(json_path, _only(json_found, "KV101").range)
    assert not any("noqa" in a.title for a in actions)  # JSON has no comments
    broken = await editor.change(json_path, f'{{"resource": "{SLASH}",\n')
    assert [d.code for d in broken] == ["KV000"]
    assert "invalid JSON" in broken[0].message


async def test_close_clears_the_diagnostics(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "closed.py"
    await editor.open(path, BAD)
    after = editor.mark()
    editor.close(path)
    from tests.lsp_client import until

    await until(
        lambda: any(
            p.uri == path.as_uri() and not p.diagnostics for p in editor.client.published[after:]
        )
    )


async def test_same_findings_as_kvlint_check(editor: Editor, workspace: Path) -> None:
    """The editor shows exactly what `kvlint check` reports for the file (same engine)."""
    import json
    import subprocess
    import sys

    examples = Path(__file__).resolve().parent.parent / "rules" / "examples"
    for name in ("KV301.py", "KV101.py", "KV306.py"):
        path = workspace / "plain" / f"same_{name}"
        text = (examples / name).read_text(encoding="utf-8")
        path.write_text(text, encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-m", "kvlint", "check", "--no-cache", "--format", "json", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=workspace,
        )
        expected = sorted(
            (f["code"], f["line"] - 1, f["end_line"] - 1, f["message"])
            for f in json.loads(run.stdout)
        )
        assert expected, run.stderr
        found = await editor.open(path, text)
        shown = sorted((d.code, d.range.start.line, d.range.end.line, d.message) for d in found)
        assert shown == expected


async def test_imports_resolve_across_the_project_as_in_check(
    editor: Editor, workspace: Path
) -> None:
    """An open route that mentions no Key Vault word, calling an accessor of another module
    of the project, shows the cross-module finding; editing the accessor on disk is seen by
    the next lint."""
    package = workspace / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    accessor = package / "vault.py"
    accessor.write_text(
        "from azure.identity import DefaultAzureCredential\n"
        "from azure.keyvault.secrets import SecretClient\n\n"
        'client = SecretClient("https://shop.vault.azure.net", DefaultAzureCredential())\n\n\n'
        "def get_value(name):\n"
        "    return client.get_secret(name).value\n"
    )
    route = (
        "from flask import Flask\n\nfrom .vault import get_value\n\napp = Flask(__name__)\n\n\n"
        '@app.route("/key")\ndef key():\n    return {"key": get_value("api-key")}\n'
    )
    found = await editor.open(package / "views.py", route)
    assert _only(found, "KV401").range.start.line == 9
    accessor.write_text("def get_value(name):\n    return name\n")
    assert await editor.change(package / "views.py", route + "\n") == []


async def test_unsaved_buffer_is_linted_by_its_language(editor: Editor) -> None:
    uri = "untitled:Untitled-1"
    after = editor.mark()
    editor.client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, BAD))
    )
    from tests.lsp_client import diagnostics

    assert [d.code for d in await diagnostics(editor.client, uri, 1, after)] == ["KV101"]
    after = editor.mark()
    editor.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem("untitled:notes", "plaintext", 1, BAD)
        )
    )
    assert await diagnostics(editor.client, "untitled:notes", 1, after) == []


async def test_crlf_document(editor: Editor, workspace: Path) -> None:
    path = workspace / "plain" / "windows.py"
    text = BAD.replace("\n", "\r\n")
    diagnostic = _only(await editor.open(path, text), "KV101")
    assert diagnostic.range.start.line == 3
    actions = await editor.actions(path, diagnostic.range)
    fix = next(a for a in actions if a.is_preferred)
    assert await editor.applied(path, fix) == GOOD.replace("\n", "\r\n")
    noqa = next(a for a in actions if "noqa" in a.title)
    assert await editor.applied(path, noqa) == text.replace('")\r\n', '")  # noqa: KV101\r\n')


NOTEBOOK_CELLS = [
    "%pip install azure-identity\n",
    "from azure.identity import DefaultAzureCredential\n",
    f'token = DefaultAzureCredential().get_token("{SLASH}")',
]


def _notebook_text() -> str:
    import json

    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": NOTEBOOK_CELLS}
    document = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1) + "\n"


async def test_a_notebook_opened_as_text_gets_diagnostics_in_its_json(
    editor: Editor, workspace: Path
) -> None:
    """A .ipynb opened as a JSON text document: the findings of its cells are placed on the
    JSON string that holds the line, and the fix edits that string (still valid JSON)."""
    import json

    path = workspace / "plain" / "explore.ipynb"
    text = _notebook_text()
    found = await editor.open(path, text, language="json")
    diagnostic = _only(found, "KV101")
    row = next(i for i, line in enumerate(text.splitlines()) if SLASH in line)
    column = text.splitlines()[row].index(SLASH) - 2  # the opening quote, escaped: \"
    assert diagnostic.range.start == types.Position(row, column)
    actions = await editor.actions(path, diagnostic.range)
    assert not any("noqa" in a.title for a in actions)  # JSON has no comments
    fix = next(a for a in actions if a.is_preferred)
    fixed = json.loads(await editor.applied(path, fix))
    assert fixed["cells"][0]["source"][2].endswith('get_token("https://vault.azure.net/.default")')
    broken = await editor.change(path, text[: len(text) // 2])
    assert [d.code for d in broken] == ["KV000"]


async def test_notebook_documents_get_diagnostics_per_cell(editor: Editor, workspace: Path) -> None:
    """LSP notebook sync: the cells are one module (the client in cell 1, the read in a loop in
    cell 3); each cell's diagnostics are published on its own URI, in its own lines, and the
    quick fix edits the cell."""
    from tests.lsp_client import apply_text_edits, diagnostics

    client = editor.client
    uri = (workspace / "plain" / "cells.ipynb").as_uri()
    texts = [
        "from azure.identity import DefaultAzureCredential\n"
        "from azure.keyvault.secrets import SecretClient\n"
        'client = SecretClient("https://c.vault.azure.net", DefaultAzureCredential())',
        "# Notes",
        f'%time x = 1\ntoken = DefaultAzureCredential().get_token("{SLASH}")\n'
        "for name in names:\n    client.get_secret(name)",
    ]
    kinds = [
        types.NotebookCellKind.Code,
        types.NotebookCellKind.Markup,
        types.NotebookCellKind.Code,
    ]
    cells = [f"vscode-notebook-cell:{uri[len('file:') :]}#c{i}" for i in range(3)]
    after = editor.mark()
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            types.NotebookDocument(
                uri,
                "jupyter-notebook",
                1,
                [types.NotebookCell(k, c) for k, c in zip(kinds, cells, strict=True)],
            ),
            [
                types.TextDocumentItem(c, "python" if k == kinds[0] else "markdown", 1, t)
                for c, k, t in zip(cells, kinds, texts, strict=True)
            ],
        )
    )
    third = await diagnostics(client, cells[2], 1, after)
    assert sorted((d.code, d.range.start.line) for d in third) == [("KV101", 1), ("KV304", 3)]
    assert await diagnostics(client, cells[0], 1, after) == []
    kv101 = _only(third, "KV101")
    context = types.CodeActionContext(diagnostics=third)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(cells[2]), kv101.range, context)
    )
    fix = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.is_preferred)
    if fix.edit is None:
        fix = await client.code_action_resolve_async(fix)
    assert fix.edit is not None and fix.edit.document_changes
    (change,) = fix.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.uri == cells[2]
    fixed = apply_text_edits(texts[2], list(change.edits), "utf-16")
    assert fixed == texts[2].replace(SLASH, "https://vault.azure.net/.default")
