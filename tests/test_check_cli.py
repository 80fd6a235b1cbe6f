"""``kvlint check`` through ``kvlint.cli.main`` in process (and a few tests through the real entry
point, `kvlint_process`): formats, exit codes, stdin, fixes."""

# ruff: noqa: RUF001 - the multiplication sign is what the summary prints
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SLASHED = (
    "from azure.identity import DefaultAzureCredential\n"
    "cred = DefaultAzureCredential()\n"
    'token = cred.get_token("https://vault.azure.net/")\n'
)
CLEAN = (
    "from azure.identity import DefaultAzureCredential\n"
    "cred = DefaultAzureCredential()\n"
    'token = cred.get_token("https://vault.azure.net/.default")\n'
)
FINDING_KEYS = [
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "code",
    "name",
    "severity",
    "message",
    "fix",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "bad.py").write_text(SLASHED)
    (tmp_path / "app" / "good.py").write_text(CLEAN)
    return tmp_path


def test_text_output_and_exit_code(kvlint_process, project):
    result = kvlint_process("check", "app", cwd=project)
    assert result.returncode == 1
    assert result.stdout == (
        "app/bad.py:3:24: KV101 Key Vault token resource 'https://vault.azure.net/' has a stray "
        "'/': Key Vault rejects the token with 401 AKV10022 (Invalid audience).\n"
        "  |\n"
        '3 | token = cred.get_token("https://vault.azure.net/")\n'
        "  |                        ^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  |\n"
        '  = help: replace `"https://vault.azure.net/"` with `"https://vault.azure.net/.default"`'
        " (safe fix: `kvlint check --fix`)\n"
        "  = note: Use the scope 'https://vault.azure.net/.default' (or the v1 resource "
        "'https://vault.azure.net').\n"
        "\n"
        "Found 1 finding (1 × KV101).\n"
        "1 fixable with `kvlint check --fix`.\n"
    )
    concise = kvlint_process("check", "--output-format", "concise", "app", cwd=project)
    lines = concise.stdout.splitlines()
    assert lines[0].startswith("app/bad.py:3:24: KV101 Key Vault token resource")
    assert lines[0].endswith("(or the v1 resource 'https://vault.azure.net').")
    assert lines[1:] == ["Found 1 finding (1 × KV101).", "1 fixable with `kvlint check --fix`."]


def test_clean_tree_exits_zero(kvlint, project):
    (project / "app" / "bad.py").unlink()
    result = kvlint("check", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "All checks passed!"


def test_json_shape(kvlint, project):
    result = kvlint("check", "--format", "json", "app", cwd=project)
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)
    assert list(finding) == FINDING_KEYS
    assert finding["path"] == "app/bad.py"
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (
        3,
        24,
        3,
        50,
    )
    assert finding["code"] == "KV101"
    assert finding["name"] == "keyvault-resource-trailing-slash"
    assert finding["severity"] == "error"
    assert finding["fix"]["applicability"] == "safe"
    (edit,) = finding["fix"]["edits"]
    assert edit == {
        "content": '"https://vault.azure.net/.default"',
        "location": {"line": 3, "column": 24},
        "end_location": {"line": 3, "column": 50},
    }


def test_absolute_paths_stay_absolute(kvlint, project):
    target = project / "app" / "bad.py"
    result = kvlint("check", "--format", "json", str(target))
    assert json.loads(result.stdout)[0]["path"] == str(target)


def test_sarif(kvlint, project):
    result = kvlint("check", "--format", "sarif", "app", cwd=project)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kvlint"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert "KV101" in rule_ids and "KV000" in rule_ids
    rule = driver["rules"][rule_ids.index("KV101")]
    assert rule["helpUri"].startswith("https://learn.microsoft.com/")
    assert "## Why is this bad?" in rule["help"]["markdown"]
    (res,) = run["results"]
    assert res["ruleId"] == "KV101" and rule_ids[res["ruleIndex"]] == "KV101"
    assert res["level"] == "error"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/bad.py"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    replacement = res["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == '"https://vault.azure.net/.default"'


def test_github_annotations(kvlint, project):
    result = kvlint("check", "--format", "github", "app", cwd=project)
    assert result.stdout.startswith(
        "::error file=app/bad.py,line=3,col=24,endLine=3,endColumn=50,"
        "title=KV101 keyvault-resource-trailing-slash::KV101 Key Vault token resource"
    )


def test_junit(kvlint, project):
    result = kvlint("check", "--format", "junit", "app", cwd=project)
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    assert root.get("failures") == "1"
    case = root.find("./testsuite/testcase")
    assert case is not None and case.get("name").startswith("KV101")


def test_output_file_exit_zero_and_statistics(kvlint, project):
    out = project / "report.json"
    result = kvlint("check", "--format", "json", "-o", str(out), "--exit-zero", "app", cwd=project)
    assert result.returncode == 0
    assert json.loads(out.read_text())[0]["code"] == "KV101"
    stats = kvlint("check", "--statistics", "app", cwd=project)
    assert stats.stdout.splitlines()[0].split() == [
        "1",
        "KV101",
        "[*]",  # fixable, as ruff marks it
        "keyvault-resource-trailing-slash",
    ]


def test_stdin(kvlint_process, project):
    result = kvlint_process(
        "check", "-", "--stdin-filename", "app/x.py", input=SLASHED, cwd=project
    )
    assert result.returncode == 1
    assert result.stdout.startswith("app/x.py:3:24: KV101")


def test_stdin_fix_prints_fixed_source(kvlint):
    result = kvlint("check", "--fix", "-", input=SLASHED)
    assert result.stdout == CLEAN
    assert result.returncode == 0


def test_diff_changes_nothing(kvlint, project):
    result = kvlint("check", "--diff", "app", cwd=project)
    assert result.returncode == 1
    assert '-token = cred.get_token("https://vault.azure.net/")' in result.stdout
    assert '+token = cred.get_token("https://vault.azure.net/.default")' in result.stdout
    assert (project / "app" / "bad.py").read_text() == SLASHED


def test_fix_is_idempotent(kvlint, project):
    first = kvlint("check", "--fix", "app", cwd=project)
    assert first.returncode == 0, first.stdout
    assert "Fixed 1." in first.stdout
    assert (project / "app" / "bad.py").read_text() == CLEAN
    second = kvlint("check", "--fix", "app", cwd=project)
    assert second.returncode == 0 and "Fixed" not in second.stdout


@pytest.mark.parametrize(
    ("prefix", "newline", "encoding"),
    [
        (b"\xef\xbb\xbf", "\r\n", "utf-8"),
        (b"# -*- coding: latin-1 -*-\n", "\n", "latin-1"),
        (b"", "\r\n", "utf-8"),
    ],
)
def test_fix_preserves_bom_encoding_and_newlines(kvlint, tmp_path, prefix, newline, encoding):
    text = SLASHED.replace("\n", newline) + f"# caf\u00e9{newline}"
    path = tmp_path / "m.py"
    path.write_bytes(prefix + text.encode(encoding))
    mode = 0o640
    path.chmod(mode)
    result = kvlint("check", "--fix", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    want = prefix + (CLEAN.replace("\n", newline) + f"# caf\u00e9{newline}").encode(encoding)
    assert path.read_bytes() == want
    assert path.stat().st_mode & 0o777 == mode
    assert not [p for p in tmp_path.iterdir() if p.name != "m.py"], "temporary file left behind"


def test_missing_path_is_a_usage_error(kvlint, tmp_path):
    result = kvlint("check", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"kvlint: error: path not found: {tmp_path / 'nope'}"


def test_unknown_select_code(kvlint, project):
    result = kvlint("check", "--select", "KV999", cwd=project)
    assert result.returncode == 2
    assert result.stderr.strip() == "kvlint: error: --select: unknown rule code 'KV999'"


def test_select_and_ignore(kvlint, project):
    assert kvlint("check", "--ignore", "KV101", cwd=project).returncode == 0
    assert kvlint("check", "--select", "KV106", cwd=project).returncode == 0
    assert kvlint("check", "--select", "KV1", cwd=project).returncode == 1


def test_help_and_version(kvlint_process):
    assert kvlint_process("check", "--help").returncode == 0
    assert kvlint_process("--version").stdout.startswith("kvlint-azure ")
    bad = kvlint_process("check", "--format", "xml")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_diff_reports_unparsable_files(kvlint, tmp_path):
    (tmp_path / "broken.py").write_text("from azure.identity import X\ndef broken(:\n")
    result = kvlint("check", "--diff", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("broken.py:2:")
    assert "KV000" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("check", "app"),  # findings: 1
        ("check", "app/good.py"),  # nothing: 0
        ("check", "--output-format", "json", "app"),
        ("check", "--no-such-option"),  # argparse: SystemExit(2)
        ("check", "--help"),  # argparse: SystemExit(0)
        ("no-such-command",),
        (),
        ("--version",),
    ],
)
def test_in_process_main_behaves_as_the_entry_point(kvlint, kvlint_process, project, args):
    """What the in-process tests see (``kvlint.cli.main(argv)``: its return value, or the
    ``SystemExit`` argparse raises) is what ``python -m kvlint`` prints and exits with."""
    inside, outside = kvlint(*args, cwd=project), kvlint_process(*args, cwd=project)
    assert (inside.returncode, inside.stdout, inside.stderr) == (
        outside.returncode,
        outside.stdout,
        outside.stderr,
    )
