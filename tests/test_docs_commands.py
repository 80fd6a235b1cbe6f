"""Every kvlint command the README shows runs as written.

Commands come from the README's ``sh`` / ``console`` blocks (and lines starting ``kvlint `` in
``text`` blocks), its inline code (`` `kvlint ...` ``)
and the ``run:`` / ``script:`` / ``entry:`` lines of its YAML recipes. Each is

- parsed by kvlint's own argument parser (a misspelt option fails here), placeholders such as
  ``SUB`` or ``[--vault NAME]`` given sample values, and
- run in-process (``kvlint.cli.main``) in a folder holding the files the README names: it must
  end with 0 or 1, never 2. Live audits run against the local HTTPS stand-in for ARM
  (tests/arm_stub.py); ``logs --workspace``, ``token --acquire``, the server and commands fed by
  another program (``az ... | kvlint token -``) are only parsed.

The install, pre-commit and CI steps themselves run in ``test_docs_start.py``.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from kvlint.cli import COMMANDS, main
from tests.audit_data import vault
from tests.conftest import ROOT
from tests.iac_data import ARM_TEMPLATE, PLAN
from tests.token_data import make_jwt, v1_app

README = (ROOT / "README.md").read_text(encoding="utf-8")

PLACEHOLDERS = {
    "SUB": "aaaaaaaa-0000-0000-0000-000000000001",
    "RG": "app",
    "NAME": "kv-app",
    "MG": "contoso-root",
    "OBJECT_ID": "7c0e35b1-53e6-4f4e-9b8a-1d2f3e4a5b6c",
    "GROUP_OID": "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70",
    "SECRET": "db-password",
    "CODE": "KV101",
    "FILE": "tests/data/logs/azkvauditlogs.json",
    "DIR": "tests/data/logs/archive",
    "ID": "0b0c0d0e-1111-4222-8333-944445555666",
    "REF": "HEAD",
}
SEPARATORS = {"|", "||", "&&", ";"}


def _words(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _commands(line: str) -> list[tuple[list[str], str | None, bool]]:
    """The kvlint commands of a shell line: (argv without 'kvlint', stdin file, piped into)."""
    out = []
    words = _words(line)
    segment: list[str] = []
    stdin: str | None = None
    piped = False
    i = 0

    def close() -> None:
        if segment and segment[0] == "kvlint":
            out.append((segment[1:], stdin, piped))

    while i < len(words):
        word = words[i]
        if word in SEPARATORS:
            close()
            piped = word == "|"
            segment, stdin = [], None
        elif word in (">", ">>"):
            i += 1  # the file written
        elif word == "<":
            stdin = words[i + 1]
            i += 1
        else:
            segment.append(word)
        i += 1
    close()
    return out


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)


def readme_commands() -> list[tuple[str, list[str], str | None, bool]]:
    found: list[tuple[str, list[str], str | None, bool]] = []
    for block in _blocks("sh") + _blocks("console"):
        for line in block.splitlines():
            line = line.removeprefix("$ ") if line.startswith("$ ") else line
            if "kvlint" in line and not line.startswith(("app/", " ")):
                found += [(line, *c) for c in _commands(line)]
    for block in _blocks("text"):  # command listings; outputs there start "kvlint:", not "kvlint "
        for line in block.splitlines():
            if line.startswith("kvlint "):
                found += [(line, *c) for c in _commands(line)]
    text = re.sub(r"``.*?``", "", README, flags=re.DOTALL)  # double-backtick spans quote output
    for span in re.findall(r"`(kvlint [^`]*)`", text):
        line = " ".join(span.split())
        found += [(line, *c) for c in _commands(line)]
    for block in _blocks("yaml"):
        for item in _yaml_steps(yaml.safe_load(block)):
            if "kvlint" in item:
                found += [(item, *c) for c in _commands(item)]
    return found


def _yaml_steps(node: object) -> list[str]:
    if isinstance(node, dict):
        values = [v for k, v in node.items() if k in ("run", "script", "entry")]
        nested = [x for v in node.values() for x in _yaml_steps(v)]
        return [v for v in values if isinstance(v, str)] + nested
    if isinstance(node, list):
        return [x for v in node for x in _yaml_steps(v)]
    return []


def _concrete(argv: list[str]) -> list[str]:
    """Placeholders given sample values; ``[--opt VALUE]`` becomes ``--opt VALUE``."""
    out = []
    for word in argv:
        word = word.strip("[]")
        out.append(PLACEHOLDERS.get(word, word))
    return out


def _live(argv: list[str], stdin_from_program: bool) -> str | None:
    name = argv[0] if argv else ""
    if stdin_from_program:
        return "reads another program's output"
    if name == "audit" and "--input" not in argv and "--iac-only" not in argv:
        return "a live audit needs Azure"
    if name == "logs" and ("--workspace" in argv or "--check-config" in argv):
        return "needs a Log Analytics workspace"
    if name == "token" and "--acquire" in argv:
        return "needs Entra ID"
    if name == "server" and "--help" not in argv:
        return "an LSP server waits for a client"
    if name in ("logs", "token", "explain") and len(argv) == 1:
        return "the command's name, not a command"
    return None


COMMANDS_FOUND = readme_commands()


def test_the_readme_shows_many_commands():
    names = {argv[0] for _, argv, _, _ in COMMANDS_FOUND if argv}
    assert {"check", "audit", "token", "logs", "rule", "rules", "server"} <= names
    assert len(COMMANDS_FOUND) > 40


@pytest.mark.parametrize(
    ("line", "argv"), [(line, argv) for line, argv, _, _ in COMMANDS_FOUND], ids=lambda v: str(v)
)
def test_every_readme_command_parses(line, argv):
    argv = _concrete(argv)
    if argv in (["--version"], ["--help"]):
        return
    assert argv and argv[0] in COMMANDS, line
    module = importlib.import_module(COMMANDS[argv[0]][0])
    parser = argparse.ArgumentParser(prog=f"kvlint {argv[0]}", exit_on_error=False)
    module.add_arguments(parser, argv[0])
    if "--help" in argv:
        return
    try:
        parser.parse_args(argv[1:])
    except (argparse.ArgumentError, SystemExit) as exc:
        pytest.fail(f"{line!r}: {exc}")


@pytest.fixture(scope="module")
def readme_folder(tmp_path_factory) -> Path:
    """The files the README's commands name."""
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "tests" / "data", folder / "tests" / "data")
    shutil.copytree(ROOT / "rules" / "examples" / "notebooks", folder / "rules/examples/notebooks")
    (folder / "app").mkdir()
    (folder / "app" / "keyvault.py").write_text(
        "from azure.identity import DefaultAzureCredential\n"
        "cred = DefaultAzureCredential()\n"
        'token = cred.get_token("https://vault.azure.net/")\n'
    )
    (folder / "dist").mkdir()
    (folder / "dist" / "app.py").write_text((folder / "app" / "keyvault.py").read_text())
    open_vault = vault("kv-app", networkAcls=None)
    (folder / "vaults.json").write_text(json.dumps([open_vault]))
    (folder / "vault.json").write_text(json.dumps(open_vault))
    (folder / "assignments.json").write_text("[]")
    (folder / "azuredeploy.json").write_text(json.dumps(ARM_TEMPLATE))
    parameters = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"keyVaultName": {"value": "kv-app"}},
    }
    (folder / "azuredeploy.parameters.json").write_text(json.dumps(parameters))
    (folder / "infra").mkdir()
    (folder / "infra" / "main.tf").write_text(
        'resource "azurerm_key_vault" "app" {\n'
        '  name                = "kv-app"\n'
        '  location            = "westeurope"\n'
        '  resource_group_name = "rg-app"\n'
        '  tenant_id           = "11111111-1111-1111-1111-111111111111"\n'
        '  sku_name            = "standard"\n'
        "}\n"
    )
    (folder / "plan.json").write_text(json.dumps(PLAN))
    (folder / "token.txt").write_text(make_jwt(v1_app()))
    return folder


RUNNABLE = [
    (line, argv, stdin)
    for line, argv, stdin, piped in COMMANDS_FOUND
    if argv
    and argv[0] in COMMANDS
    and not _live(_concrete(argv), piped and "-" in argv)
    and "--help" not in argv
]


@pytest.mark.parametrize(("line", "argv", "stdin"), RUNNABLE, ids=lambda v: str(v))
def test_every_offline_readme_command_runs(line, argv, stdin, readme_folder, monkeypatch, capsys):
    work = readme_folder
    monkeypatch.chdir(work)
    monkeypatch.setenv("NO_COLOR", "1")
    if stdin is not None:
        data = (work / stdin).read_bytes()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    argv = _concrete(argv)
    if argv[0] == "check":
        argv = [argv[0], "--no-cache", *argv[1:]]
    status = main(argv)
    out, err = capsys.readouterr()
    assert status in (0, 1), f"{line!r} -> {status}\n{err}"
    assert "Traceback" not in err
    if argv[0] in ("rule", "rules"):
        assert status == 0 and out


LIVE_AUDITS = [
    (line, argv)
    for line, argv, _, piped in COMMANDS_FOUND
    if argv[:1] == ["audit"]
    and len(argv) > 1
    and _live(_concrete(argv), piped and "-" in argv) == "a live audit needs Azure"
]


@pytest.mark.parametrize(("line", "argv"), LIVE_AUDITS, ids=lambda v: str(v))
def test_every_live_audit_command_runs_against_a_local_arm(
    line, argv, stub, readme_folder, monkeypatch, capsys
):
    """The live audits, as written, through kvlint.cli.main and the real SDK clients against the
    local HTTPS stand-in for Azure Resource Manager (the credential is the only double). The
    stand-in has no routes (every read is a 404), so each run lists what it could not read and
    ends with 1: the command parses, signs in, sends only reads, and reports; never exit 2."""
    from kvlint.audit import engine
    from tests.arm_stub import connect

    monkeypatch.setattr(engine, "connect", lambda request: connect(stub))
    monkeypatch.chdir(readme_folder)
    status = main(_concrete(argv))
    _, err = capsys.readouterr()
    assert status == 1, f"{line!r} -> {status}\n{err}"
    assert stub.requests, "nothing reached the stub"
    assert all(r.method in ("GET", "POST") for r in stub.requests)


def test_the_live_audits_are_all_run():
    assert len(LIVE_AUDITS) >= 5


WORKSPACE_RUNS = [
    (line, argv)
    for line, argv, _, _ in COMMANDS_FOUND
    if argv[:1] == ["logs"]
    and "--workspace" in argv
    and argv[argv.index("--workspace") + 1 :][:1]
    and argv[argv.index("--workspace") + 1] != "ID"
]


@pytest.mark.parametrize(("line", "argv"), WORKSPACE_RUNS, ids=lambda v: str(v))
def test_every_workspace_command_runs_against_a_local_log_analytics(
    line, argv, stub, readme_folder, monkeypatch, capsys
):
    """``kvlint logs --workspace`` lines, as written, through kvlint.cli.main and the real
    LogsQueryClient against the local stand-in for Log Analytics (and ARM for --check-config)
    that tests/test_logs_live.py uses."""
    from kvlint.commands import logs, options
    from tests.arm_stub import connect
    from tests.test_logs_live import answer, client

    workspace = argv[argv.index("--workspace") + 1]
    stub.add("POST", f"/v1/workspaces/{workspace}/query", answer)
    monkeypatch.setattr(logs, "_client", lambda args: client(stub))
    monkeypatch.setattr(options, "arm_for_cloud", lambda cloud: connect(stub))
    monkeypatch.chdir(readme_folder)
    status = main(argv)
    out, err = capsys.readouterr()
    assert status in (0, 1), f"{line!r} -> {status}\n{err}"
    assert "kv-hot" in out or "kv-pay" in out, out[:500]


def test_the_readme_shows_workspace_commands():
    assert len(WORKSPACE_RUNS) >= 2
