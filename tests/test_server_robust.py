"""``kvlint server`` when things go wrong: a bug in the engine, pygls missing; and what the
server must never cost ``kvlint check`` (importing pygls)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pytest_lsp")

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_client import Editor, make_client

ASYNC = pytest.mark.asyncio(loop_scope="module")

BAD = (
    "from azure.identity import DefaultAzureCredential\n\n"
    'token = DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
)
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
# The real server, with the engine made to fail on one marked document: the only way to
# provoke "a bug in kvlint" without planting a test hook in the product.
FAULTY_SERVER = textwrap.dedent(
    """\
    import sys
    from kvlint.server import engine

    real = engine.lint_text

    def faulty(linter, text, path, relpath):
        if "EXPLODE" in text:
            raise RuntimeError("boom from the engine at " + text.split("EXPLODE ")[1].strip())
        return real(linter, text, path, relpath)

    engine.lint_text = faulty
    from kvlint.cli import main

    sys.exit(main(["server"]))
    """
)


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=[sys.executable, "-c", FAULTY_SERVER], client_factory=make_client
    ),
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    # a bare client: no documentChanges, no codeAction/resolve, no file watching
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


@ASYNC
async def test_an_internal_error_is_logged_and_the_server_keeps_serving(
    client: LanguageClient, tmp_path: Path
) -> None:
    editor = Editor(client)
    found = await editor.open(tmp_path / "explode.py", BAD + f"# EXPLODE {TOKEN}\n")
    assert [d.code for d in found] == ["KV000"]
    assert "internal error: RuntimeError: boom from the engine at eyJhbGci…" in found[0].message
    logged = [m for m in client.log_messages if "boom from the engine" in m.message]
    assert logged and logged[0].type == types.MessageType.Error
    assert "Traceback" in logged[0].message  # the whole story, in the output log only
    assert not any(TOKEN in m.message for m in client.log_messages)  # never a whole token
    assert TOKEN not in found[0].message
    # the same server still lints, hovers and answers code actions
    after = await editor.open(tmp_path / "fine.py", BAD)
    assert [d.code for d in after] == ["KV101"]
    actions = await editor.actions(tmp_path / "fine.py", after[0].range)
    fix = next(a for a in actions if a.is_preferred)
    assert fix.edit is not None and fix.edit.changes is not None  # plain changes for this client
    fixed = BAD.replace('.net/")', '.net/.default")')
    assert await editor.applied(tmp_path / "fine.py", fix) == fixed
    noqa = next(a for a in actions if "noqa" in a.title)
    assert noqa.edit is not None  # made at once: this client cannot resolve it later
    assert (await editor.applied(tmp_path / "fine.py", noqa)).endswith("  # noqa: KV101\n")
    assert client.registrations == []  # it cannot watch files: nothing is registered
    # a code action on the failing document answers (nothing to fix), it is not an error
    assert await editor.actions(tmp_path / "explode.py", found[0].range) == []


@ASYNC
async def test_a_request_for_an_unknown_document_is_harmless(client: LanguageClient) -> None:
    uri = "file:///nowhere/never-opened.py"
    result = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0))
    )
    assert result is None


def test_without_pygls_one_line_and_exit_2() -> None:
    code = (
        "import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None\n"
        "from kvlint.cli import main; sys.exit(main(['server']))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "kvlint: error: kvlint server needs pygls, which is not installed: "
        "pip install 'kvlint-azure[server]'"
    ]


def test_check_never_imports_pygls(tmp_path: Path) -> None:
    source = tmp_path / "app.py"
    source.write_text(BAD)
    code = (
        "import sys; from kvlint.cli import main\n"
        f"status = main(['check', '--no-cache', {str(source)!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol'))\n"
        "print('LOADED', loaded, file=sys.stderr); sys.exit(status)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 1, run.stderr  # the finding
    assert "LOADED []" in run.stderr


def test_server_help_names_its_options() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "kvlint", "server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0
    assert "--log-file" in run.stdout and "--stdio" in run.stdout
    top = subprocess.run(
        [sys.executable, "-m", "kvlint", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "server" in top.stdout
