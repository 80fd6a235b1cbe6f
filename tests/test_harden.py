"""Regression tests for the hardening issue (#12): each test failed before its fix."""

from __future__ import annotations

import base64
import json

import pytest

from kvlint.redact import mask, masked


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


JWT = ".".join(
    (
        _segment({"alg": "RS256", "typ": "JWT"}),
        _segment({"aud": "https://vault.azure.net", "exp": 9999999999, "tid": "t"}),
        "c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl",
    )
)


# --- 1. no output of any command contains a whole JWT ----------------------------------------


def test_mask_replaces_every_jwt_with_its_prefix_and_length():
    unsigned = JWT.rsplit(".", 1)[0] + "."
    jwe = ".".join([JWT.split(".")[0], "a", "b", "c", "d"])
    text = f"x {JWT}, '{unsigned}' and {jwe}"
    shown = mask(text)
    assert JWT not in shown and unsigned not in shown and jwe not in shown
    assert masked(JWT) in shown and f"{JWT[:8]}… ({len(JWT)} characters)" == masked(JWT)
    assert mask("eyJ is not a token; a.b.c neither") == "eyJ is not a token; a.b.c neither"


@pytest.mark.parametrize(
    "args",
    [
        ["token", "--tenant", JWT, JWT],
        ["token", "--vault", JWT, JWT],
        ["token", JWT, JWT],
        ["token", "--skew", JWT, JWT],
        ["token", "--format", JWT, JWT],
        ["token", f"@{JWT}"],
        ["check", JWT],
        ["check", "--select", JWT],
        ["check", "--config", JWT],
        ["check", "--baseline", JWT, "."],
        ["check", "--jobs", JWT],
        ["check", "--output-file", f"/nonexistent/{JWT}", "."],
        ["rules", "--face", JWT],
        ["rule", JWT],
        [JWT],
        ["audit", "--input", "v.json", "--principal", JWT, "--ip", "203.0.113.7"],
        [
            "audit",
            "--input",
            "v.json",
            "--principal",
            "11111111-1111-1111-1111-111111111111",
            "--ip",
            JWT,
        ],
        ["audit", "--input", JWT],
    ],
    ids=lambda args: " ".join(a if a != JWT else "JWT" for a in args)[:60],
)
def test_no_message_echoes_a_whole_jwt(kvlint, tmp_path, args):
    (tmp_path / "v.json").write_text("[]", encoding="utf-8")
    result = kvlint(*args, cwd=tmp_path, input="")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert JWT not in result.stdout + result.stderr
    assert JWT[:8].lower() in result.stderr.lower()  # the message still names the argument


@pytest.mark.parametrize("args", [["token", JWT, JWT], ["check", "--select", JWT], [JWT]])
def test_the_entry_point_masks_its_streams(kvlint_process, tmp_path, args):
    """The masking stream is installed by main() around every command: through the real entry
    point too (a few cases; the in-process test above covers every option)."""
    result = kvlint_process(*args, cwd=tmp_path, input="")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert JWT not in result.stdout + result.stderr
    assert JWT[:8].lower() in result.stderr.lower()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_reports_mask_a_jwt_in_a_file_name_and_the_output_file(kvlint, tmp_path, fmt):
    folder = tmp_path / JWT[:200]
    folder.mkdir()
    (folder / "app.py").write_text(
        "from azure.identity import DefaultAzureCredential\n"
        "DefaultAzureCredential().get_token('https://vault.azure.net/')\n"
        f"TOKEN = '{JWT}'\n",
        encoding="utf-8",
    )
    shown = kvlint("check", "--no-cache", "--format", fmt, ".", cwd=tmp_path)
    assert shown.returncode == 1, shown.stderr
    assert JWT not in shown.stdout + shown.stderr
    kvlint("check", "--no-cache", "--format", fmt, "-o", "out.txt", ".", cwd=tmp_path)
    written = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert "KV101" in written and JWT not in written
    if fmt in ("json", "sarif"):
        json.loads(written)  # masking keeps the document valid


# --- 5. a file named on the command line is linted unless --force-exclude --------------------

SLASHED = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
)


def test_named_files_in_excluded_folders_are_linted_unless_force_exclude(kvlint, tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "a.py").write_text(SLASHED, encoding="utf-8")
    (tmp_path / "src" / "build").mkdir(parents=True)
    (tmp_path / "src" / "build" / "b.py").write_text(SLASHED, encoding="utf-8")
    named = kvlint("check", "--no-cache", "dist/a.py", cwd=tmp_path)
    assert named.returncode == 1 and "dist/a.py:2:36: KV101" in named.stdout, named.stderr
    folder = kvlint("check", "--no-cache", "dist", cwd=tmp_path)
    assert folder.returncode == 1 and "KV101" in folder.stdout
    forced = kvlint("check", "--no-cache", "--force-exclude", "dist/a.py", cwd=tmp_path)
    assert forced.returncode == 0 and "All checks passed" not in forced.stdout
    assert "no Python or configuration file found (1 path excluded" in forced.stderr
    verbose = kvlint("check", "--no-cache", "--verbose", ".", cwd=tmp_path)
    assert "kvlint: skipped dist/ (excluded by 'dist')" in verbose.stderr
    assert "kvlint: skipped src/build/ (excluded by 'build')" in verbose.stderr
    assert verbose.returncode == 0 and "KV101" not in verbose.stdout


def test_a_tree_without_lintable_files_says_so(kvlint, tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    result = kvlint("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert "All checks passed" not in result.stdout
    assert "kvlint: no Python or configuration file found" in result.stderr


# --- 6. the coding cookie is found the way CPython's tokenizer does ---------------------------


@pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"])
def test_cr_only_files_have_no_false_coding_error(kvlint, tmp_path, end):
    lines = [b"# x", b"import azure.identity", b'x = "encoding: None"', b""]
    (tmp_path / "cr.py").write_bytes(end.join(lines))
    result = kvlint("check", "--no-cache", "cr.py", cwd=tmp_path)
    assert result.returncode == 0 and "KV000" not in result.stdout, result.stdout


def test_a_cookie_on_the_second_cr_line_is_honoured(kvlint, tmp_path):
    source = b"# x\r# -*- coding: latin-1 -*-\rimport azure.identity\rx = '\xe9'\r"
    (tmp_path / "latin.py").write_bytes(source)
    assert kvlint("check", "--no-cache", "latin.py", cwd=tmp_path).returncode == 0
    (tmp_path / "bad.py").write_bytes(b"# x\r# coding: bogus\rimport azure.identity\r")
    bad = kvlint("check", "--no-cache", "bad.py", cwd=tmp_path)
    assert bad.returncode == 1 and "KV000" in bad.stdout and "bogus" in bad.stdout


# --- 7. deep or huge configuration data is bad input, not an internal error -------------------

DEEP = 100_000
HOSTILE_CONFIG = {
    "deep.toml": "x = " + "[" * DEEP + "]" * DEEP + "\n",
    "tables.toml": "x = " + "{a=" * 5000 + "1" + "}" * 5000 + "\n",
    "flow.yaml": "x: " + "[" * DEEP + "]" * DEEP + "\n",
    "block.yaml": "".join(" " * i + "a:\n" for i in range(1900)) + " " * 1900 + "b: 1\n",
    "big.json": '{"n": ' + "9" * DEEP + ', "resource": "https://vault.azure.net/"}\n',
    "big.toml": "n = " + "9" * DEEP + "\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CONFIG))
def test_hostile_config_data_is_one_kv000(kvlint, tmp_path, name):
    text = HOSTILE_CONFIG[name]
    if not name.endswith(".json"):
        key = "resource: " if name.endswith(".yaml") else "resource = "
        text = key + '"https://vault.azure.net/"\n' + text
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = kvlint("check", "--no-cache", name, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = [line for line in result.stdout.splitlines() if ": KV000 " in line]
    assert "internal error" not in line
    assert "nested too deeply" in line or "number too large" in line


def test_a_hostile_pyproject_is_one_error_line(kvlint, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.kvlint]\nx = " + "[" * DEEP + "]" * DEEP + "\n", encoding="utf-8"
    )
    result = kvlint("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "nested too deeply" in result.stderr


# --- 8. a non-finite or non-numeric lifetime is a finding, and the JSON stays JSON ------------


def _raw_token(payload: str) -> str:
    encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{_segment({'alg': 'RS256'})}.{encoded}.c2ln"


@pytest.mark.parametrize(
    ("claim", "code"),
    [
        ('"exp": NaN', "KVT103"),
        ('"exp": Infinity', "KVT103"),
        ('"exp": "tomorrow"', "KVT103"),
        ('"exp": null', "KVT103"),
        ('"exp": true', "KVT103"),
        ('"nbf": -Infinity', "KVT104"),
        ('"nbf": [1]', "KVT104"),
    ],
)
def test_a_malformed_lifetime_is_never_valid(kvlint, claim, code):
    token = _raw_token('{"aud": "https://vault.azure.net", "exp": 9999999999, ' + claim + "}")
    shown = kvlint("token", "-", input=token)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert f"{code} " in shown.stdout and "no problems" not in shown.stdout
    assert "not a time" in shown.stdout
    as_json = kvlint("token", "--format", "json", "-", input=token)
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout, parse_constant=lambda name: pytest.fail(name))
    assert [f["code"] for f in document["findings"]] == [code]


# --- 9. --add-noqa never corrupts a JSON file; YAML, TOML and dotenv get a "#" comment --------


def test_add_noqa_marks_yaml_toml_and_dotenv_and_leaves_json_alone(kvlint, tmp_path):
    files = {
        "app.json": '{"resource": "https://vault.azure.net/"}\n',
        "app.yaml": "kv:\n  resource: https://vault.azure.net/\n  note: |\n    scope\n",
        "app.toml": 'resource = "https://vault.azure.net/"\n',
        "prod.env": "KV_SCOPE=https://vault.azure.net/\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    added = kvlint("check", "--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "app.json: 1 finding(s) left without noqa: JSON has no comments" in added.stderr
    assert "added noqa to 3 lines" in added.stderr
    assert (tmp_path / "app.json").read_text(encoding="utf-8") == files["app.json"]
    for name in ("app.yaml", "app.toml", "prod.env"):
        assert "  # noqa: KV1" in (tmp_path / name).read_text(encoding="utf-8"), name
    after = kvlint("check", "--no-cache", ".", cwd=tmp_path)
    assert "KV000" not in after.stdout
    assert [line.split(":")[0] for line in after.stdout.splitlines() if ": KV1" in line] == [
        "app.json"
    ]


def test_add_noqa_leaves_a_multi_line_yaml_value_unmarked(kvlint, tmp_path):
    text = 'kv:\n  resource: "https://vault.azure.net/\n    "\n'
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    assert "app.yaml:2:13: KV101" in kvlint("check", "--no-cache", ".", cwd=tmp_path).stdout
    added = kvlint("check", "--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert "left without noqa: their values span several lines" in added.stderr
    assert (tmp_path / "app.yaml").read_text(encoding="utf-8") == text


# --- 10. nonsense settings are refused: exit 2, one line naming the key and the value ----------


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ('extra-vault-hosts = [""]', "'extra-vault-hosts' entry ''"),
        ('extra-vault-hosts = ["*"]', "'extra-vault-hosts' entry '*'"),
        ('extra-vault-hosts = ["https://kv.contoso.example"]', "'https://kv.contoso.example'"),
        ('exclude = ["["]', "'exclude': path pattern '['"),
        ('extend-exclude = [""]', "'extend-exclude': empty path pattern ''"),
        ('include = ["deploy/[a-"]', "'include': path pattern 'deploy/[a-'"),
        ('per-file-ignores = {"tests/[" = ["KV101"]}', "'per-file-ignores': path pattern"),
    ],
)
def test_nonsense_settings_are_refused(kvlint, tmp_path, setting, named):
    (tmp_path / "pyproject.toml").write_text(f"[tool.kvlint]\n{setting}\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(SLASHED, encoding="utf-8")
    result = kvlint("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    first, *snippet = result.stderr.splitlines()  # one line, then the TOML line (as ruff)
    assert named in first and snippet[1] == f"2 | {setting}", result.stderr


def test_sensible_hosts_and_patterns_are_accepted(kvlint, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.kvlint]\n"
        'extra-vault-hosts = [".vault.contoso.example", "kv-1.internal"]\n'
        'extend-exclude = ["[[]draft]", "gen[!_]*", "a[]]b"]\n',
        encoding="utf-8",
    )
    (tmp_path / "app.py").write_text(SLASHED, encoding="utf-8")
    result = kvlint("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 1 and "KV101" in result.stdout, result.stderr


# --- 11. --fix keeps a string prefix exactly as written ---------------------------------------


@pytest.mark.parametrize("prefix", ["R", "r", "U", "u", ""])
def test_fix_keeps_the_string_prefix_as_written(kvlint, tmp_path, prefix):
    source = (
        "from azure.identity import DefaultAzureCredential\n"
        f'DefaultAzureCredential().get_token({prefix}"https://vault.azure.net/")\n'
        f"DefaultAzureCredential().get_token({prefix}'https://vault.azure.net')\n"
    )
    (tmp_path / "a.py").write_text(source, encoding="utf-8")
    fixed = kvlint("check", "--no-cache", "--fix", "a.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == (
        "from azure.identity import DefaultAzureCredential\n"
        f'DefaultAzureCredential().get_token({prefix}"https://vault.azure.net/.default")\n'
        f"DefaultAzureCredential().get_token({prefix}'https://vault.azure.net/.default')\n"
    )


# --- issue 17: a prefix in a suppression silences nothing and KV100 says so (as in ruff) -------


def test_a_noqa_prefix_silences_nothing_and_kv100_reports_it(kvlint, tmp_path):
    (tmp_path / "a.py").write_text(
        "from azure.identity import DefaultAzureCredential\n"
        'DefaultAzureCredential().get_token("https://vault.azure.net/")  # noqa: KV1\n'
        'DefaultAzureCredential().get_token("https://vault.azure.net/")  # noqa: KV101\n',
        encoding="utf-8",
    )
    result = kvlint("check", "--no-cache", "--output-format", "json", "a.py", cwd=tmp_path)
    found = [(f["line"], f["code"], f["message"]) for f in json.loads(result.stdout)]
    assert [(line, code) for line, code, _ in found] == [(2, "KV101"), (2, "KV100")]
    assert "KV1 is not a rule code" in found[1][2] and "prefix" in found[1][2]
    fixed = kvlint("check", "--no-cache", "--fix", "--select", "KV100", "a.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout
    assert "# noqa: KV1\n" not in (tmp_path / "a.py").read_text(encoding="utf-8")


# --- issue 17: the cache goes next to the project's pyproject.toml, not the current folder ---


def test_the_cache_goes_next_to_the_projects_pyproject(kvlint, tmp_path):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (project / "src").mkdir(parents=True)
    elsewhere.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (project / "src" / "app.py").write_text(SLASHED, encoding="utf-8")
    result = kvlint("check", str(project / "src" / "app.py"), cwd=elsewhere)
    assert result.returncode == 1, result.stderr
    assert (project / ".kvlint_cache" / "CACHEDIR.TAG").is_file()
    assert not (elsewhere / ".kvlint_cache").exists()
    assert not (project / "src" / ".kvlint_cache").exists()
