"""A pytest-lsp client for ``kvlint server`` tests: the real entry point over stdio, plus what
the tests need to wait for (diagnostics of one document version) and to apply edits the way an
editor does (UTF-16 columns, written here independently of the server's own conversion)."""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

TIMEOUT = 60.0


def server_command() -> list[str]:
    """The installed ``kvlint`` console script beside this Python, else ``python -m kvlint``."""
    script = Path(sys.executable).with_name("kvlint")
    if script.exists():
        return [str(script), "server"]
    found = shutil.which("kvlint")
    return [found, "server"] if found else [sys.executable, "-m", "kvlint", "server"]


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]

    def publish(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        ls.published.append(params)  # type: ignore[attr-defined]

    def register(ls: LanguageClient, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    features: dict[str, Any] = {
        **DEFAULT_CLIENT_FEATURES,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
        types.CLIENT_REGISTER_CAPABILITY: register,
    }
    register_lsp_features(client, features)
    return client


def capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities (documentChanges, dynamic file watching, UTF-16)."""
    return client_capabilities("visual-studio-code")


async def until(predicate, timeout: float = TIMEOUT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(0.01)


async def diagnostics(
    client: LanguageClient, uri: str, version: int | None, after: int = 0
) -> list[types.Diagnostic]:
    """The first diagnostics published for ``uri`` at ``version`` (past ``after`` entries)."""
    published: list[types.PublishDiagnosticsParams] = client.published  # type: ignore[attr-defined]

    def found() -> types.PublishDiagnosticsParams | None:
        return next((p for p in published[after:] if p.uri == uri and p.version == version), None)

    await until(lambda: found() is not None)
    result = found()
    assert result is not None
    return list(result.diagnostics)


class Editor:
    """Opens and edits documents the way an editor does, counting versions."""

    def __init__(self, client: LanguageClient, encoding: str = "utf-16") -> None:
        self.client = client
        self.encoding = encoding  # the position encoding the client negotiated
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    def mark(self) -> int:
        return len(self.client.published)  # type: ignore[attr-defined]

    async def open(self, path: Path, text: str, language: str = "python") -> list:
        uri = path.as_uri()
        self.versions[uri], self.texts[uri] = 1, text
        after = self.mark()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text))
        )
        return await diagnostics(self.client, uri, 1, after)

    async def change(self, path: Path, text: str) -> list:
        uri = path.as_uri()
        self.versions[uri] += 1
        self.texts[uri] = text
        after = self.mark()
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )
        return await diagnostics(self.client, uri, self.versions[uri], after)

    async def save(self, path: Path) -> list:
        uri = path.as_uri()
        after = self.mark()
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
        )
        return await diagnostics(self.client, uri, self.versions[uri], after)

    def close(self, path: Path) -> None:
        uri = path.as_uri()
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
        )
        self.versions.pop(uri, None)

    async def actions(self, path: Path, where: types.Range, only=None) -> list[types.CodeAction]:
        uri = path.as_uri()
        context = types.CodeActionContext(
            diagnostics=list(self.client.diagnostics.get(uri, [])), only=only
        )
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(types.TextDocumentIdentifier(uri), where, context)
        )
        return [a for a in result or [] if isinstance(a, types.CodeAction)]

    async def applied(self, path: Path, action: types.CodeAction) -> str:
        """The document's text after the action's workspace edit, as an editor applies it
        (asking ``codeAction/resolve`` for the edit first when the server left it out)."""
        uri = path.as_uri()
        if action.edit is None:
            action = await self.client.code_action_resolve_async(action)
        assert action.edit is not None
        if action.edit.changes is not None:  # a client without documentChanges
            return apply_text_edits(self.texts[uri], list(action.edit.changes[uri]), self.encoding)
        assert action.edit.document_changes
        (change,) = action.edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.uri == uri
        assert change.text_document.version == self.versions[uri]
        return apply_text_edits(self.texts[uri], list(change.edits), self.encoding)


_BREAK = re.compile(r"\r\n|\r|\n")


def _units(char: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(char.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(char) > 0xFFFF else 1


def offset_of(text: str, position: types.Position, encoding: str = "utf-16") -> int:
    """An LSP position (in ``encoding`` code units) as an index into ``text``."""
    starts = [0] + [m.end() for m in _BREAK.finditer(text)]
    start = starts[position.line]
    units = 0
    index = start
    while units < position.character:
        units += _units(text[index], encoding)
        index += 1
    assert units == position.character, "a position inside a character"
    return index


def apply_text_edits(text: str, edits: list, encoding: str = "utf-16") -> str:
    spans = sorted(
        (
            (
                offset_of(text, e.range.start, encoding),
                offset_of(text, e.range.end, encoding),
                e.new_text,
            )
            for e in edits
        ),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def utf16_column(line: str, index: int) -> int:
    return len(line[:index].encode("utf-16-le")) // 2
