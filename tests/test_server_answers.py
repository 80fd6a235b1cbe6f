"""``kvlint server`` answers every request, with a result or a JSON-RPC error (issue 23, item 6),
and a dense document never takes it down (item 2): the real server, under a memory limit,
driven by the real pytest-lsp client."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import uuid
from concurrent.futures import Future
from pathlib import Path

import pytest

pytest.importorskip("pytest_lsp")

import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_client import Editor, capabilities, make_client

ASYNC = pytest.mark.asyncio(loop_scope="module")
BAD = (
    "from azure.identity import DefaultAzureCredential\n\n"
    'token = DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
)
# The real server in a process that may use at most 1.5 GB (a dense file took 2.3 GB and more).
LIMITED_SERVER = textwrap.dedent(
    """\
    import resource, sys
    limit = 1536 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from kvlint.cli import main
    sys.exit(main(["server"]))
    """
)


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=[sys.executable, "-c", LIMITED_SERVER], client_factory=make_client
    ),
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("answers")
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities(), root_uri=root.as_uri())
    )
    lsp_client.root = root  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def _ask(client: LanguageClient, method: str, params: object) -> tuple[str, object]:
    """Send a raw request; ("result", value) or ("error", code). Never waits for ever.

    The client's own types would refuse to send such params: it is asked to send them as a
    plain JSON-RPC request (as a buggy or hostile editor does)."""
    protocol = client.protocol
    msg_id = str(uuid.uuid4())
    future: Future = Future()
    protocol._request_futures[msg_id] = future
    message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        message["params"] = params
    protocol._send_data(message)  # plain JSON: nothing typed on the way
    future = asyncio.wrap_future(future)
    try:
        return "result", await asyncio.wait_for(future, timeout=30)
    except JsonRpcException as exc:
        return "error", exc.code
    except asyncio.TimeoutError:
        raise AssertionError(f"no answer to {method} {params!r}") from None


def _range(start: tuple[int, int], end: tuple[int, int]) -> dict:
    return {
        "start": {"line": start[0], "character": start[1]},
        "end": {"line": end[0], "character": end[1]},
    }


@ASYNC
async def test_every_request_gets_an_answer(client: LanguageClient) -> None:
    path = client.root / "app.py"  # type: ignore[attr-defined]
    editor = Editor(client)
    assert [d.code for d in await editor.open(path, BAD)] == ["KV101"]
    uri = path.as_uri()
    document = {"uri": uri}
    context = {"diagnostics": []}
    cases = [
        ("textDocument/codeAction", {"textDocument": document, "range": _range((-1, -5), (0, 0)), "context": context}),
        ("textDocument/codeAction", {"textDocument": document, "range": _range((0, 0), (2**40, 2**40)), "context": context}),
        ("textDocument/codeAction", {"textDocument": document, "range": _range((2**31 - 1, 0), (2**31 - 1, 2**31 - 1)), "context": context}),
        ("textDocument/codeAction", {"textDocument": document, "range": _range((5, 0), (1, 0)), "context": context}),
        ("textDocument/hover", None),
        ("textDocument/hover", {}),
        ("textDocument/hover", {"textDocument": document, "position": {"line": -3, "character": 0}}),
        ("textDocument/hover", {"textDocument": document, "position": {"line": 2**31 - 1, "character": 2**31 - 1}}),
        ("codeAction/resolve", {"title": 3}),
    ]  # fmt: skip
    for method, params in cases:
        kind, value = await _ask(client, method, params)
        if kind == "error":
            assert value in (-32602, -32600, -32603), (method, params, value)
    # and the server still serves
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 50))
    )
    assert hover is not None and "KV101" in str(hover.contents)


@ASYNC
async def test_a_dense_document_is_one_kv000_and_the_server_goes_on(client: LanguageClient) -> None:
    """A 6 MB file opened in the editor killed the server (exit -6)."""
    editor = Editor(client)
    dense = client.root / "dense.py"  # type: ignore[attr-defined]
    text = BAD + "x = [" + "1," * 3_000_000 + "]\n"
    found = await editor.open(dense, text)
    assert [d.code for d in found] == ["KV000"]
    assert "too large to analyse" in found[0].message
    chain = client.root / "chain.py"  # type: ignore[attr-defined]
    found = await editor.open(chain, BAD + "x = " + "+".join(["1"] * 10_000) + "\n")
    assert [d.code for d in found] == ["KV000"]
    assert "too deeply nested to analyse" in found[0].message
    after = client.root / "after.py"  # type: ignore[attr-defined]
    assert [d.code for d in await editor.open(after, BAD)] == ["KV101"]


def test_the_protocol_answers_unreadable_requests_is_kvlints(tmp_path: Path) -> None:
    from kvlint.server.app import Protocol, build

    assert isinstance(build().protocol, Protocol)
