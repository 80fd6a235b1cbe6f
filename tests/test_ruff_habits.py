"""What ruff users reach for, in ``kvlint check`` and ``kvlint rule`` (in-process: cli.main)."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kvlint.cli import main

BAD = (
    "from azure.identity import DefaultAzureCredential\n"
    "import requests\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
    'requests.get("https://a.vault.azure.net/secrets/x")\n'
)
CLEAN = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/.default")\n'
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(BAD)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def check(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["check", "--no-cache", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def help_text(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    "option",
    [
        "--watch",
        "--show-settings",
        "--show-files",
        "--extend-exclude",
        "--per-file-ignores",
        "--isolated",
        "[FORMAT:]FILE",
        "azure",
        "gitlab",
        "json-lines",
        "pylint",
        "grouped",
    ],
)
def test_every_new_option_and_format_is_in_the_help(capsys, option):
    assert option in help_text(capsys)


# -- output formats --------------------------------------------------------------------------


def test_azure_logging_commands(project, capsys):
    status, out, _ = check(capsys, "--output-format", "azure", "app.py")
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        "##vso[task.logissue type=error;sourcepath=app.py;linenumber=3;columnnumber=36;"
        "code=KV101]KV101 Key Vault token resource"
    )
    assert any(line.startswith("##vso[task.logissue type=warning;") for line in lines)  # KV302
    assert len(lines) == 3


def test_azure_escapes_what_would_break_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    odd = tmp_path / "a;b]%c.py"
    odd.write_text(BAD)
    status, out, _ = check(capsys, "--output-format", "azure", "--select", "KV101", odd.name)
    assert status == 1
    (line,) = out.splitlines()
    assert "sourcepath=a%3Bb%5D%AZP25c.py;" in line
    assert line.count("]") == 1 + line.split("]", 1)[1].count("]")  # the header closes once


def test_gitlab_code_quality(project, capsys):
    status, out, _ = check(capsys, "--output-format", "gitlab", ".")
    assert status == 1
    issues = json.loads(out)
    assert len(issues) == 6
    first = issues[0]
    assert set(first) >= {"description", "check_name", "fingerprint", "severity", "location"}
    assert first["check_name"] == "KV101" and first["severity"] == "major"
    assert first["location"]["path"] == "app.py"
    assert first["location"]["positions"]["begin"] == {"line": 3, "column": 36}
    # the same finding in two files: distinct fingerprints (GitLab deduplicates by them)
    assert len({i["fingerprint"] for i in issues}) == 6
    assert {i["severity"] for i in issues} <= {"info", "minor", "major", "critical", "blocker"}


def test_json_lines_pylint_and_grouped(project, capsys):
    _, out, _ = check(capsys, "--output-format", "json-lines", "app.py")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["code"] for r in rows] == ["KV101", "KV104", "KV302"]
    _, out, _ = check(capsys, "--output-format", "pylint", "app.py")
    assert out.splitlines()[0].startswith("app.py:3: [KV101] Key Vault token resource")
    _, out, _ = check(capsys, "--output-format", "grouped", "app.py", "tests")
    lines = out.splitlines()
    assert lines[0] == "app.py:"
    assert lines[1].startswith("  3:36 KV101 ") and lines[2].startswith("  4:1  KV104 ")
    assert lines[4] == "" and lines[5] == "tests/test_app.py:"


def test_line_formats_never_print_control_characters(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a\x1b[31mb.py").write_text(BAD)
    for fmt in ("pylint", "grouped", "azure"):
        _, out, _ = check(capsys, "--output-format", fmt, "--select", "KV101", ".")
        assert "\x1b" not in out and "KV101" in out, fmt


# -- several outputs in one run --------------------------------------------------------------


def test_several_formats_in_one_run(project, capsys):
    status, out, _ = check(
        capsys,
        "--output-format",
        "concise",
        "-o",
        "sarif:kvlint.sarif",
        "-o",
        "junit:kvlint.xml",
        "--output-file",
        "gitlab:gl.json",
        "app.py",
    )
    assert status == 1
    assert out.startswith("app.py:3:36: KV101")  # stdout keeps the --output-format report
    sarif = json.loads((project / "kvlint.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["KV101", "KV104", "KV302"]
    assert json.loads((project / "gl.json").read_text())[0]["check_name"] == "KV101"
    assert ET.parse(project / "kvlint.xml").getroot().get("failures") == "3"


def test_plain_o_file_still_replaces_stdout(project, capsys):
    status, out, _ = check(capsys, "--output-format", "json", "-o", "r.json", "-o", "azure:a.txt")
    assert status == 1 and "KV101" not in out
    assert len(json.loads((project / "r.json").read_text())) == 6
    assert (project / "a.txt").read_text().startswith("##vso[task.logissue")


def test_two_plain_outputs_are_an_error(project, capsys):
    status, _, err = check(capsys, "-o", "a.txt", "-o", "b.txt")
    assert status == 2
    assert "one report replaces stdout; name the format of the others" in err


def test_an_unwritable_output(project, capsys):
    status, _, err = check(capsys, "-o", "sarif:no/such/dir/x.sarif")
    assert status == 2 and err.startswith("kvlint: error: cannot write no/such/dir/x.sarif")


# -- --diff ------------------------------------------------------------------------------------


def test_diff_ends_with_would_fix(project, capsys):
    status, out, err = check(capsys, "--diff", ".")
    assert status == 1
    assert out.count("+++ b/") == 2
    assert err.splitlines()[-1] == "Would fix 2 findings."
    (project / "app.py").write_text(CLEAN)
    (project / "tests" / "test_app.py").write_text(CLEAN)
    status, out, err = check(capsys, "--diff", ".")
    assert (status, out, err.splitlines()[-1]) == (0, "", "Would fix 0 findings.")


# -- configuration on the command line ---------------------------------------------------------


def test_extend_exclude_and_per_file_ignores_on_the_command_line(project, capsys):
    _, out, _ = check(capsys, "--output-format", "json", "--extend-exclude", "tests,build")
    assert {f["path"] for f in json.loads(out)} == {"app.py"}
    _, out, _ = check(
        capsys, "--output-format", "json", "--per-file-ignores", "tests/*:KV101,KV104"
    )
    found = {(f["path"], f["code"]) for f in json.loads(out)}
    assert ("tests/test_app.py", "KV302") in found
    assert ("tests/test_app.py", "KV101") not in found and ("app.py", "KV101") in found
    status, _, err = check(capsys, "--per-file-ignores", "KV101")
    assert status == 2 and "expected PATTERN:CODES" in err
    status, _, err = check(capsys, "--per-file-ignores", "tests/*:KV999")
    assert status == 2 and "unknown rule code 'KV999'" in err


def test_per_file_ignores_replace_and_extend_those_of_the_configuration(project, capsys):
    (project / "pyproject.toml").write_text(
        '[tool.kvlint]\nper-file-ignores = { "tests/*" = ["KV3"] }\n'
    )
    _, out, _ = check(capsys, "--output-format", "json", "tests")
    assert [f["code"] for f in json.loads(out)] == ["KV101", "KV104"]
    _, out, _ = check(
        capsys, "--output-format", "json", "--per-file-ignores", "tests/*:KV1", "tests"
    )
    assert [f["code"] for f in json.loads(out)] == ["KV302"]
    _, out, _ = check(
        capsys, "--output-format", "json", "--extend-per-file-ignores", "tests/*:KV1", "tests"
    )
    assert json.loads(out) == []


def test_isolated_ignores_the_configuration(project, capsys):
    (project / "pyproject.toml").write_text('[tool.kvlint]\nignore = ["KV1", "KV3"]\n')
    status, _, _ = check(capsys, "app.py")
    assert status == 0
    status, out, _ = check(capsys, "--isolated", "--output-format", "concise", "app.py")
    assert status == 1 and "KV101" in out
    (project / "pyproject.toml").write_text("[tool.kvlint]\nbroken = 1\n")
    assert check(capsys, "--isolated", "app.py")[0] == 1  # not even read
    status, _, err = check(capsys, "--isolated", "--config", "pyproject.toml")
    assert status == 2 and "--isolated" in err


def test_show_settings(project, capsys):
    (project / "pyproject.toml").write_text(
        '[tool.kvlint]\nignore = ["KV3"]\nextend-exclude = ["migrations"]\n'
    )
    status, out, _ = check(capsys, "--show-settings", "--extend-exclude", "build2", "app.py")
    assert status == 0
    assert out.startswith("Resolved settings for: ")
    rows = (line.split(" = ", 1) for line in out.splitlines()[1:])
    values = {key.strip(): json.loads(value) for key, value in rows}
    assert values["configuration"] == str((project / "pyproject.toml").resolve())
    assert values["ignore"] == ["KV3"]
    assert values["extend-exclude"] == ["migrations", "build2"]
    assert "KV101" in values["enabled"] and "KV301" not in values["enabled"]


def test_show_files(project, capsys):
    (project / "notes.txt").write_text("x")
    (project / ".venv").mkdir()
    (project / ".venv" / "x.py").write_text(BAD)
    status, out, _ = check(capsys, "--show-files")
    assert status == 0
    assert out.splitlines() == ["app.py", "tests/test_app.py"]
    status, out, _ = check(capsys, "--show-files", "--extend-exclude", "tests")
    assert out.splitlines() == ["app.py"]


# -- --watch (bounded) -------------------------------------------------------------------------


def test_watch_lints_again_after_a_change(project, capsys, monkeypatch):
    from kvlint.commands import watch

    monkeypatch.setattr(watch, "RUNS", 2)
    monkeypatch.setattr(watch, "INTERVAL", 0.05)
    (project / "tests" / "test_app.py").unlink()
    # the snapshot is taken before the first run: an edit at any time after it starts a second
    edits = threading.Timer(1.5, lambda: (project / "app.py").write_text(CLEAN + "# edited\n"))
    edits.start()
    try:
        status = main(["check", "--no-cache", "--watch", "--output-format", "concise", "."])
    finally:
        edits.cancel()
    out, err = capsys.readouterr()
    assert status == 0  # the second run: clean
    assert out.count("app.py:3:36: KV101") == 1 and "All checks passed!" in out
    assert err.count("checking...") == 2 and "watching for changes" in err


def test_watch_refuses_fix(project, capsys):
    status, _, err = check(capsys, "--watch", "--fix")
    assert status == 2 and "--watch reports only" in err


# -- kvlint rule by name -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["keyvault-read-per-request", "KEYVAULT_READ_PER_REQUEST", "kv305"]
)
def test_rule_by_code_or_name(capsys, name):
    assert main(["rule", name]) == 0
    assert capsys.readouterr().out.startswith("# KV305 keyvault-read-per-request")


def test_an_unknown_rule_name_suggests_the_closest(capsys):
    assert main(["rule", "keyvault-read-per-requests"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kvlint: error: unknown rule 'keyvault-read-per-requests'")
    assert "did you mean keyvault-read-per-request" in err


# -- configuration errors show the line ---------------------------------------------------------


def test_invalid_toml_shows_the_line(project, capsys):
    (project / "pyproject.toml").write_text('[tool.kvlint]\nselect = ["KV1"\nignore = []\n')
    status, _, err = check(capsys, "app.py")
    assert status == 2
    first, *rest = err.splitlines()
    assert first.startswith("kvlint: error: ") and ":3:1: invalid TOML: " in first
    assert rest == ["  |", "3 | ignore = []", "  | ^"]


def test_a_wrong_value_shows_its_line(project, capsys):
    Path("pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.kvlint]\nextend-exclude = "tests"\n'
    )
    status, _, err = check(capsys, "app.py")
    assert status == 2
    assert err.splitlines() == [
        "kvlint: error: pyproject.toml:5: [tool.kvlint] 'extend-exclude' must be a list of strings",
        "  |",
        '5 | extend-exclude = "tests"',
        "  |                  ^",
    ]


# -- extend, and the closest configuration per file (a monorepo) ---------------------------------


@pytest.fixture
def monorepo(tmp_path, monkeypatch):
    for path in ("services/api/app.py", "services/api/tests/test_app.py", "services/web/app.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(BAD)
    (tmp_path / "lib.py").write_text(BAD)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.kvlint]\n"
        'ignore = ["KV104"]\n'
        'per-file-ignores = { "services/api/tests/*" = ["KV1"], "lib.py" = ["KV3"] }\n'
        'extend-exclude = ["services/api/generated", "migrations"]\n'
    )
    (tmp_path / "services/api/pyproject.toml").write_text(
        '[tool.kvlint]\nextend = "../../pyproject.toml"\nseverity = { KV302 = "info" }\n'
    )
    (tmp_path / "services/web/pyproject.toml").write_text(
        '[project]\nname = "web"\n\n[tool.kvlint]\nselect = ["KV3"]\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(capsys, *argv: str) -> list[tuple[str, str, str]]:
    _, out, err = check(capsys, "--output-format", "json", *argv)
    assert out, err
    return [(f["path"], f["code"], f["severity"]) for f in json.loads(out)]


def test_each_file_gets_its_closest_configuration(monorepo, capsys):
    assert findings(capsys, ".") == [
        ("lib.py", "KV101", "error"),  # the root's: KV104 ignored, KV3 ignored for lib.py
        ("services/api/app.py", "KV101", "error"),  # extends the root: KV104 ignored
        ("services/api/app.py", "KV302", "info"),  # ... and its own severity
        ("services/api/tests/test_app.py", "KV302", "info"),  # the root's per-file-ignores
        ("services/web/app.py", "KV302", "warning"),  # its own: only KV3
    ]
    # the same answer whichever path is named
    assert findings(capsys, "services/web/app.py") == [("services/web/app.py", "KV302", "warning")]


def test_the_command_line_applies_to_every_configuration(monorepo, capsys):
    assert findings(capsys, "--select", "KV101", ".") == [
        ("lib.py", "KV101", "error"),
        ("services/api/app.py", "KV101", "error"),
        ("services/web/app.py", "KV101", "error"),  # web's own select is overridden too
    ]


def test_config_and_isolated_use_one_configuration_for_all(monorepo, capsys):
    everything = findings(capsys, "--isolated", ".")
    assert len(everything) == 12
    only_root = findings(capsys, "--config", "pyproject.toml", ".")
    assert ("services/web/app.py", "KV101", "error") in only_root


def test_a_closer_configuration_excludes_its_own_files(monorepo, capsys):
    (monorepo / "services/web/pyproject.toml").write_text(
        '[tool.kvlint]\nselect = ["KV3"]\nextend-exclude = ["app.py"]\n'
    )
    assert [f for f in findings(capsys, ".") if f[0].startswith("services/web")] == []


def test_show_files_follows_each_files_configuration(monorepo, capsys):
    (monorepo / "services/web/pyproject.toml").write_text(
        '[tool.kvlint]\nextend-exclude = ["app.py"]\n'
    )
    status, out, _ = check(capsys, "--show-files")
    assert status == 0
    assert out.splitlines() == [  # configuration files are linted too (audiences in TOML)
        "lib.py",
        "pyproject.toml",
        "services/api/app.py",
        "services/api/pyproject.toml",
        "services/api/tests/test_app.py",
        "services/web/pyproject.toml",
    ]


def test_extend_rebases_anchored_patterns_and_rejects_cycles(monorepo, capsys):
    status, out, _ = check(capsys, "--show-settings", "services/api")
    values = {
        key.strip(): json.loads(value)
        for key, value in (line.split(" = ", 1) for line in out.splitlines()[1:])
    }
    assert status == 0
    # anchored patterns move to the extending folder; a bare name matches anywhere, as before
    assert values["per-file-ignores"] == {"tests/*": ["KV1"], "lib.py": ["KV3"]}
    assert values["extend-exclude"] == ["generated", "migrations"]
    assert values["ignore"] == ["KV104"] and values["severity"] == {"KV302": "info"}
    (monorepo / "pyproject.toml").write_text(
        '[tool.kvlint]\nextend = "services/api/pyproject.toml"\n'
    )
    status, _, err = check(capsys, "services/api")
    assert status == 2 and "'extend' makes a cycle" in err
    (monorepo / "services/api/pyproject.toml").write_text('[tool.kvlint]\nextend = "nope.toml"\n')
    status, _, err = check(capsys, "services/api")
    assert status == 2 and "'extend' names 'nope.toml', which is not a file" in err


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Secrets\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": [
                "from azure.identity import DefaultAzureCredential\n",
                'token = DefaultAzureCredential().get_token("https://vault.azure.net/")',
            ],
        },
    ],
    "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_notebook_findings_in_the_new_formats(tmp_path, monkeypatch, capsys):
    """azure and gitlab point into the .ipynb text (where CI shows it) and name the cell; the
    line formats read cell N:line, as the text report does."""
    monkeypatch.chdir(tmp_path)
    text = json.dumps(NOTEBOOK, indent=1)
    (tmp_path / "explore.ipynb").write_text(text)
    raw_line = next(i for i, line in enumerate(text.splitlines(), 1) if "get_token" in line)
    _, out, _ = check(capsys, "--output-format", "azure", "explore.ipynb")
    assert f"sourcepath=explore.ipynb;linenumber={raw_line};" in out
    assert "]KV101 (cell 2, line 2) Key Vault token resource" in out
    _, out, _ = check(capsys, "--output-format", "gitlab", "explore.ipynb")
    (issue,) = json.loads(out)
    assert issue["location"]["positions"]["begin"]["line"] == raw_line
    assert issue["description"].startswith("KV101 (cell 2, line 2) ")
    _, out, _ = check(capsys, "--output-format", "pylint", "explore.ipynb")
    assert out.startswith("explore.ipynb:cell 2:2: [KV101] ")
    _, out, _ = check(capsys, "--output-format", "grouped", "explore.ipynb")
    assert out.splitlines()[1].startswith("  cell 2:2:44 KV101 ")
