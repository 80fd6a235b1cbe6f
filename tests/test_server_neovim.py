"""``kvlint server`` with Neovim 0.11's capabilities: it offers UTF-8 positions first, so every
column the server sends (and every edit) must count UTF-8 bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytest_lsp")

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp_client import Editor, make_client, server_command

pytestmark = pytest.mark.asyncio(loop_scope="module")

SLASH = "https://vault.azure.net/"
LINE = f'note = "naïve ☕ 😀"; token = DefaultAzureCredential().get_token("{SLASH}")'
TEXT = f"from azure.identity import DefaultAzureCredential\n\n{LINE}\n"


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=server_command(), client_factory=make_client),
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("nvim")
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("neovim@v0.11.0"), root_uri=root.as_uri()
        )
    )
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    yield
    await lsp_client.shutdown_session()


async def test_columns_and_edits_count_utf8_bytes(client: LanguageClient, tmp_path: Path) -> None:
    editor = Editor(client, encoding="utf-8")
    path = tmp_path / "app.py"
    (diagnostic,) = await editor.open(path, TEXT)
    start = LINE.index(f'"{SLASH}"')
    assert diagnostic.range.start == types.Position(2, len(LINE[:start].encode("utf-8")))
    end = start + len(SLASH) + 2
    assert diagnostic.range.end == types.Position(2, len(LINE[:end].encode("utf-8")))
    actions = await editor.actions(path, diagnostic.range)
    fix = next(a for a in actions if a.is_preferred)
    assert await editor.applied(path, fix) == TEXT.replace(SLASH + '"', SLASH + '.default"')
    noqa = next(a for a in actions if "noqa" in a.title)
    assert await editor.applied(path, noqa) == TEXT.replace('")\n', '")  # noqa: KV101\n')
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(path.as_uri()), diagnostic.range.end)
    )
    assert hover is not None and hover.range == diagnostic.range
