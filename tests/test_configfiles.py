"""Configuration-file scanning through the real CLI: discovery, positions, fixes, bad input."""

from __future__ import annotations

import json

import pytest

from kvlint.lint.sources.config import kind_of

SLASHED_YAML = "keyvault:\n  resource: https://vault.azure.net/\n"


def findings(result) -> list[tuple[str, int, int, str]]:
    assert result.returncode in (0, 1), result.stderr
    return [
        (f["path"].replace("\\", "/"), f["line"], f["column"], f["code"])
        for f in json.loads(result.stdout)
    ]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.yaml", "yaml"),
        ("A.YML", "yaml"),
        ("appsettings.json", "json"),
        ("pyproject.toml", "toml"),
        (".env", "env"),
        ("prod.env", "env"),
        (".env.local", "env"),
        ("app.py", None),
        ("yaml", None),
        (".json", None),
        ("notes.txt", None),
    ],
)
def test_kind_of(name, kind):
    assert kind_of(name) == kind


def test_discovery_finds_config_files_and_skips_generated_ones(tmp_path, kvlint):
    (tmp_path / "settings.yaml").write_text(SLASHED_YAML)
    (tmp_path / ".env").write_text("KEYVAULT_RESOURCE=https://vault.azure.net/\n")
    (tmp_path / "package-lock.json").write_text('{"resource": "https://vault.azure.net/"}')
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.json").write_text('{"resource": "https://vault.azure.net/"}')
    (tmp_path / ".env").rename(tmp_path / "prod.env")
    venv = tmp_path / ".env"  # a virtualenv directory: excluded by default
    venv.mkdir()
    (venv / "cfg.yaml").write_text(SLASHED_YAML)
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert sorted(findings(result)) == [
        ("prod.env", 1, 19, "KV101"),
        ("settings.yaml", 2, 13, "KV101"),
    ]


def test_dotenv_file_beside_code_is_found_and_virtualenv_dir_skipped(tmp_path, kvlint):
    (tmp_path / ".env").write_text("AZURE_SCOPE='https://vault.azure.net'\n")
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "lib.json").write_text('{"resource": "https://vault.azure.net/"}')
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert findings(result) == [(".env", 1, 13, "KV103")]


def test_include_and_exclude(tmp_path, kvlint):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kvlint]\ninclude = ["deploy/*.conf"]\nextend-exclude = ["legacy.yaml"]\n'
    )
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "token.conf").write_text(
        "from azure.identity import DefaultAzureCredential\n"
        'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
    )
    (tmp_path / "legacy.yaml").write_text(SLASHED_YAML)
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert findings(result) == [("deploy/token.conf", 2, 36, "KV101")]


def test_positions_count_characters_after_non_ascii_text(tmp_path, kvlint):
    path = tmp_path / "s.yaml"
    path.write_text(
        "# Schlüssel für den Tresor — ☃\nkv: {name: \"é\", resource: 'https://vault.azure.net/'}\n",
        encoding="utf-8",
    )
    result = kvlint("check", "--format", "json", str(path))
    assert [(line, column) for _, line, column, _ in findings(result)] == [(2, 27)]


def test_fix_keeps_bom_crlf_comments_and_order(tmp_path, kvlint):
    path = tmp_path / "settings.toml"
    original = (
        '\ufeff# keep me\r\n[kv]\r\nscope = "https://vault.azure.net/"  # and me\r\n'
        "resource = 'https://vault.azure.net/'\r\n"
    )
    path.write_bytes(original.encode("utf-8"))
    result = kvlint("check", "--fix", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert path.read_bytes() == (
        '\ufeff# keep me\r\n[kv]\r\nscope = "https://vault.azure.net/.default"  # and me\r\n'
        "resource = 'https://vault.azure.net'\r\n"
    ).encode("utf-8")


def test_escaped_json_value_is_reported_but_not_rewritten(tmp_path, kvlint):
    path = tmp_path / "a.json"
    text = '{"resource": "https:\\/\\/vault.azure.net\\/"}\n'
    path.write_text(text)
    result = kvlint("check", "--fix", "--format", "json", str(path))
    (finding,) = json.loads(result.stdout)
    assert (finding["code"], finding["fix"]) == ("KV101", None)
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("bad.json", '{\n  "resource": "https://vault.azure.net/",\n}\n', 3),
        ("bad.toml", 'resource = "https://vault.azure.net/"\nscope = \n', 2),
        ("bad.yaml", "resource: https://vault.azure.net/\n  - x: [\n", 2),
    ],
)
def test_malformed_file_gives_one_kv000_and_the_run_goes_on(tmp_path, kvlint, name, text, line):
    (tmp_path / name).write_text(text)
    (tmp_path / "good.yaml").write_text(SLASHED_YAML)
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    got = findings(result)
    assert [(f[1], f[3]) for f in got if f[0] == name] == [(line, "KV000")]
    assert ("good.yaml", 2, 13, "KV101") in got


def test_files_without_audience_text_are_not_parsed(tmp_path, kvlint):
    (tmp_path / "broken.yaml").write_text("a: [\n")
    (tmp_path / "broken.json").write_text("{")
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert findings(result) == []


def test_noqa_in_yaml_and_per_file_ignores(tmp_path, kvlint):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kvlint]\nper-file-ignores = { "ignored.env" = ["KV101"] }\n'
    )
    (tmp_path / "a.yaml").write_text("resource: https://vault.azure.net/  # noqa: KV101\n")
    (tmp_path / "ignored.env").write_text("RESOURCE=https://vault.azure.net/\n")
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert findings(result) == []


def test_stdin_uses_the_stdin_filename_format(kvlint):
    result = kvlint("check", "--fix", "-", "--stdin-filename", "cfg.yaml", input=SLASHED_YAML)
    assert result.stdout == "keyvault:\n  resource: https://vault.azure.net\n"
