"""KV105 names the service a pinned token is for, from the shared audience tables: every known
audience, by URL or by Synapse / Fabric getToken name, and never Key Vault for another one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvlint.config import Settings
from kvlint.lint.discovery import Target
from kvlint.lint.facts.urls import (
    KEY_VAULT,
    OTHER_APP_IDS,
    OTHER_AUDIENCE_SUFFIXES,
    OTHER_AUDIENCES,
    PLATFORM_TOKEN_AUDIENCES,
)
from kvlint.lint.runner import Runner


def kv105(path: Path) -> dict[int, str]:
    findings = Runner(Settings()).run([Target(path, str(path), path.name)]).findings
    return {f.line: f.message for f in findings if f.code == "KV105"}


def audiences() -> list[tuple[str, str]]:
    out = [(f"https://{host}/.default", service) for host, service in OTHER_AUDIENCES.items()]
    out += [(f"https://contoso{end}/.default", s) for end, s in OTHER_AUDIENCE_SUFFIXES.items()]
    out += [(f"{app}/.default", service) for app, service in OTHER_APP_IDS.items()]
    return out


def test_every_known_audience_is_named_and_is_not_key_vault(tmp_path):
    lines = ["from azure.identity import DefaultAzureCredential", "cred = DefaultAzureCredential()"]
    want = {}
    for scope, service in audiences():
        lines.append(f'T{len(want)} = cred.get_token("{scope}").token')
        want[len(lines)] = service
    lines.append('KV = cred.get_token("https://vault.azure.net/.default").token')
    path = tmp_path / "tokens.py"
    path.write_text("\n".join(lines) + "\n")
    found = kv105(path)
    assert set(found) == {*want, len(lines)}
    for line, service in want.items():
        assert f"access token for {service} captured once" in found[line]
        assert f"{service} then " in found[line]
        assert "Key Vault" not in found[line], found[line]
    assert "Key Vault then answers 401" in found[len(lines)]


@pytest.mark.parametrize("name", sorted(PLATFORM_TOKEN_AUDIENCES))
def test_a_notebook_token_by_its_platform_name(tmp_path, name):
    path = tmp_path / "notebook-content.py"
    path.write_text(
        "# Fabric notebook source\n\n# CELL ********************\n\n"
        f'token = notebookutils.credentials.getToken("{name.upper()}")\n'
        'headers = {"Authorization": f"Bearer {token}"}\n'
    )
    (message,) = kv105(path).values()  # the headers built from it are the same token
    service = PLATFORM_TOKEN_AUDIENCES[name]
    if service == KEY_VAULT:
        assert "Key Vault then answers 401" in message
    else:
        assert f"{service} then " in message and "Key Vault" not in message
    assert "Call getToken() again each time the token is needed" in message


def test_an_unknown_audience_names_no_service(tmp_path):
    path = tmp_path / "unknown.py"
    path.write_text(
        "import os\nfrom azure.identity import DefaultAzureCredential\n\n"
        'TOKEN = DefaultAzureCredential().get_token(os.environ["SCOPE"]).token\n'
    )
    (message,) = kv105(path).values()
    assert "the service then answers 401" in message and "Key Vault" not in message


def test_a_helper_called_twice_asks_twice_and_a_helper_storing_its_token_once(tmp_path):
    path = tmp_path / "helpers.py"
    path.write_text(
        """from azure.identity import DefaultAzureCredential

cred = DefaultAzureCredential()


def graph(scope="https://graph.microsoft.com/.default"):
    return cred.get_token(scope).token


FIRST = graph()
SECOND = graph()


class Client:
    def __init__(self):
        self.token = self._login("https://database.windows.net/.default")

    def _login(self, scope):
        token = cred.get_token(scope).token
        self.raw = token
        return token
"""
    )
    found = kv105(path)
    assert sorted(found) == [10, 11, 16]
    assert "for Microsoft Graph" in found[10] and "for Microsoft Graph" in found[11]
    assert "Azure SQL refuses every new connection" in found[16]


def test_a_token_from_another_modules_helper_is_one_token_of_an_unknown_service(
    tmp_path, capsys, monkeypatch
):
    from kvlint.cli import main

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "auth.py").write_text(
        "from azure.identity import DefaultAzureCredential\n\n"
        "credential = DefaultAzureCredential()\n\n\n"
        "def graph_token():\n"
        '    return credential.get_token("https://graph.microsoft.com/.default").token\n'
    )
    (package / "client.py").write_text(
        "from app.auth import graph_token\n\n\n"
        "class Client:\n"
        "    def __init__(self):\n"
        "        self.token = graph_token()\n"
        '        self.headers = {"Authorization": f"Bearer {self.token}"}\n'
    )
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--no-cache", "--select", "KV105", "--format", "concise", "."])
    lines = [line for line in capsys.readouterr().out.splitlines() if " KV105 " in line]
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("app/client.py:6:"), lines
    assert "every request made with it gets 401" in lines[0] and "Key Vault" not in lines[0]


def test_the_resource_a_helper_is_given_names_the_service(tmp_path):
    path = tmp_path / "resource.py"
    path.write_text(
        """from azure.identity import DefaultAzureCredential

cred = DefaultAzureCredential()


def token(resource):
    return cred.get_token(f"{resource}/.default").token


def scoped(scopes):
    return cred.get_token(*scopes).token


SQL = token("https://database.windows.net")
VAULT = token(resource="https://vault.azure.net")
UNKNOWN = scoped(["https://graph.microsoft.com/.default"])
"""
    )
    found = kv105(path)
    assert "for Azure SQL" in found[14]
    assert "Key Vault then answers 401" in found[15]
    assert "the service then answers 401" in found[16]  # a starred parameter: not followed
