"""[tool.kvlint] configuration, suppression comments, discovery and bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

BAD = (
    "from azure.identity import DefaultAzureCredential\n"
    "cred = DefaultAzureCredential()\n"
    'cred.get_token("https://vault.azure.net/"){comment}\n'
)


def codes(result) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)]


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "comment",
    [
        "  # noqa",
        "  # noqa: KV101",
        "  # noqa: E501, KV101",
        "  # NOQA:KV101",
        "  # kvlint: ignore",
        "  # kvlint: ignore[KV101]",
        "  # kvlint: ignore[KV102, KV101]",
    ],
)
def test_suppressed(kvlint, tmp_path, comment):
    write(tmp_path, "m.py", BAD.format(comment=comment))
    result = kvlint("check", "--format", "json", "--ignore", "KV100", ".", cwd=tmp_path)
    assert codes(result) == [], comment


@pytest.mark.parametrize(
    "comment", ["  # noqa: KV102", "  # kvlint: ignore[KV103]", "  # a comment mentioning noqa"]
)
def test_not_suppressed(kvlint, tmp_path, comment):
    write(tmp_path, "m.py", BAD.format(comment=comment))
    result = kvlint("check", "--format", "json", "--ignore", "KV100", ".", cwd=tmp_path)
    assert codes(result) == [("m.py", 3, "KV101")], comment


def test_ignore_file(kvlint, tmp_path):
    write(tmp_path, "m.py", "# kvlint: ignore-file\n" + BAD.format(comment=""))
    assert kvlint("check", ".", cwd=tmp_path).returncode == 0


def test_config(kvlint, tmp_path):
    write(
        tmp_path,
        "pyproject.toml",
        """
[project]
name = "demo"

[tool.kvlint]
extend-exclude = ["generated", "legacy/*.py"]
per-file-ignores = { "tests/*" = ["KV1"] }
severity = { KV101 = "warning" }
""",
    )
    for rel in (
        "app/m.py",
        "generated/m.py",
        "legacy/m.py",
        "tests/test_m.py",
        ".venv/m.py",
        "node_modules/x/m.py",
    ):
        write(tmp_path, rel, BAD.format(comment=""))
    result = kvlint("check", "--format", "json", cwd=tmp_path / "app")
    findings = json.loads(result.stdout)
    assert [(f["path"], f["severity"]) for f in findings] == [("m.py", "warning")]
    everything = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert codes(everything) == [("app/m.py", 3, "KV101")]


def test_config_select_and_cli_override(kvlint, tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.kvlint]\nselect = ["KV106"]\n')
    write(tmp_path, "m.py", BAD.format(comment=""))
    assert kvlint("check", ".", cwd=tmp_path).returncode == 0
    assert kvlint("check", "--select", "KV101", ".", cwd=tmp_path).returncode == 1


def test_explicit_config_file(kvlint, tmp_path):
    cfg = write(tmp_path, "ci/kvlint.toml", 'ignore = ["KV101"]\n')
    write(tmp_path, "m.py", BAD.format(comment=""))
    assert kvlint("check", "--config", str(cfg), ".", cwd=tmp_path).returncode == 0


def test_extra_vault_hosts(kvlint, tmp_path):
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.kvlint]\nextra-vault-hosts = ["vault.contoso.internal"]\n',
    )
    write(
        tmp_path,
        "m.py",
        'import requests\nrequests.get("https://kv1.vault.contoso.internal/secrets/a")\n',
    )
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    # a configured host is a Key Vault for every rule: no token (KV104), no retry (KV302)
    assert codes(result) == [("m.py", 2, "KV104"), ("m.py", 2, "KV302")]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('colour = "red"', "unknown key 'colour'"),
        ('select = "KV101"', "'select' must be a list of strings"),
        ('ignore = ["KV9"]', "unknown rule code 'KV9'"),
        ('severity = { KV101 = "fatal" }', "severity of KV101 must be one of error, warning, info"),
        (
            'per-file-ignores = { "a.py" = "KV101" }',
            "per-file-ignores['a.py'] must be a list of codes",
        ),
    ],
)
def test_bad_config(kvlint, tmp_path, table, message):
    write(tmp_path, "pyproject.toml", f"[tool.kvlint]\n{table}\n")
    write(tmp_path, "m.py", BAD.format(comment=""))
    result = kvlint("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    first, *shown = result.stderr.splitlines()
    assert first.startswith("kvlint: error: pyproject.toml:2: [tool.kvlint] ") and message in first
    assert shown == ["  |", f"2 | {table}", shown[-1]], result.stderr  # the line, as ruff shows it
    assert "Traceback" not in result.stderr


def test_broken_toml(kvlint, tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.kvlint\nselect = [\n")
    result = kvlint("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid TOML" in result.stderr and "Traceback" not in result.stderr


def test_unparsable_files_give_kv000_and_the_run_goes_on(kvlint, tmp_path):
    write(tmp_path, "a_syntax.py", "from azure.identity import X\ndef broken(:\n")
    (tmp_path / "b_latin.py").write_bytes(b"# azure.identity\nname = '\xe9'\n")
    (tmp_path / "c_binary.py").write_bytes(b"azure.identity\x00\x01\x02")
    write(tmp_path, "d_empty.py", "")
    (tmp_path / "e_dir.py").mkdir()
    write(tmp_path, "f_bad.py", BAD.format(comment=""))
    write(tmp_path, "g_py2.py", "import adal\nprint 'hello'\n")
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1
    found = codes(result)
    assert found == [
        ("a_syntax.py", 2, "KV000"),
        ("b_latin.py", 1, "KV000"),
        ("c_binary.py", 1, "KV000"),
        ("f_bad.py", 3, "KV101"),
        ("g_py2.py", 2, "KV000"),
    ]
    messages = {f["path"]: f["message"] for f in json.loads(result.stdout)}
    assert messages["a_syntax.py"].startswith("syntax error")
    assert "utf-8" in messages["b_latin.py"]
    assert "NUL" in messages["c_binary.py"]
    assert "Traceback" not in result.stderr


def test_files_without_trigger_words_are_not_parsed(kvlint, tmp_path):
    write(tmp_path, "other.py", "def broken(:\n")
    assert kvlint("check", ".", cwd=tmp_path).returncode == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(kvlint, tmp_path):
    path = write(tmp_path, "m.py", BAD.format(comment=""))
    path.chmod(0)
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert codes(result) == [("m.py", 1, "KV000")]
