"""The server keeps each document's last lint: the same text, with the project's modules still
saying what they said, is answered without linting again; any change to either lints again."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvlint.config import Settings
from kvlint.lint.sources import python as python_source
from kvlint.server import engine

VIEW = (
    "from flask import Flask\n"
    "from settings import get_value\n\n"
    "app = Flask(__name__)\n\n\n"
    '@app.route("/")\n'
    "def index():\n"
    '    return get_value("db")\n'
)
READER = (
    "from azure.identity import DefaultAzureCredential\n"
    "from azure.keyvault.secrets import SecretClient\n\n\n"
    "def get_value(name):\n"
    '    client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())\n'
    "    return client.get_secret(name).value\n"
)


@pytest.fixture
def parses(monkeypatch):
    count = {"n": 0}
    real = python_source.parse

    def counting(*args, **kwargs):
        count["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(python_source, "parse", counting)
    return count


def test_the_same_text_is_not_linted_again(tmp_path, parses):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (tmp_path / "settings.py").write_text(READER, encoding="utf-8")
    linter = engine.make_linter(Settings(root=tmp_path))
    path = str(tmp_path / "settings.py")
    first = engine.lint_text(linter, READER, path, "settings.py")
    after_first = parses["n"]
    again = engine.lint_text(linter, READER, path, "settings.py")
    assert parses["n"] == after_first  # answered from the remembered lint
    assert [f.code for f in again.findings] == [f.code for f in first.findings]
    assert again.findings is not first.findings  # a copy: callers may change it
    edited = READER + "\n"
    engine.lint_text(linter, edited, path, "settings.py")
    assert parses["n"] > after_first  # another text: linted


def test_a_change_in_an_imported_module_lints_the_document_again(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (tmp_path / "settings.py").write_text(READER, encoding="utf-8")
    (tmp_path / "views.py").write_text(VIEW, encoding="utf-8")
    linter = engine.make_linter(Settings(root=tmp_path))
    path = str(tmp_path / "views.py")
    before = engine.lint_text(linter, VIEW, path, "views.py")
    assert "KV401" in {f.code for f in before.findings}  # the secret is the response
    (tmp_path / "settings.py").write_text(
        "def get_value(name):\n    return name.upper()\n", encoding="utf-8"
    )
    after = engine.lint_text(linter, VIEW, path, "views.py")
    assert not after.findings  # not the remembered KV401: no secret any more


def test_untitled_documents_are_remembered_too(parses):
    linter = engine.make_linter(Settings(root=Path.cwd()))
    engine.lint_text(linter, READER, "untitled.py", "untitled.py")
    count = parses["n"]
    engine.lint_text(linter, READER, "untitled.py", "untitled.py")
    assert parses["n"] == count
