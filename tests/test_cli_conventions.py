"""ruff's command-line habits (issue 17): --output-format, --show-fixes, --exit-non-zero-on-fix,
--statistics in JSON, -o everywhere, help on every option, one-line usage errors."""

# ruff: noqa: RUF001 - the multiplication sign is what --show-fixes prints, as ruff does
from __future__ import annotations

import argparse
import importlib
import json

import pytest

from kvlint.cli import COMMANDS, _Parser
from tests.audit_data import vault

SLASHED = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
    'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
)
CLEAN = SLASHED.replace('/")', '/.default")')


@pytest.fixture
def project(tmp_path):
    (tmp_path / "app.py").write_text(SLASHED, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("option", ["--output-format", "--format"])
def test_output_format_and_its_alias(kvlint, project, option):
    result = kvlint("check", "--no-cache", option, "json", ".", cwd=project)
    assert result.returncode == 1
    assert [f["code"] for f in json.loads(result.stdout)] == ["KV101", "KV101"]


@pytest.mark.parametrize(
    "args",
    [["token", "--output-format", "json", "-"], ["rules", "--output-format", "json"]],
)
def test_other_commands_take_output_format(kvlint, args):
    result = kvlint(*args, input="not a token")
    assert result.returncode in (0, 2)
    if result.returncode == 0:
        json.loads(result.stdout)
    else:
        assert "not a JWT" in result.stderr


def test_audit_takes_output_format_and_o(kvlint, tmp_path):
    (tmp_path / "v.json").write_text(json.dumps(vault()), encoding="utf-8")
    result = kvlint(
        "audit", "--input", "v.json", "--output-format", "json", "-o", "out.json", cwd=tmp_path
    )
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout == ""
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["vaults_audited"] == 1


def test_show_fixes_lists_what_fix_would_do_and_did(kvlint, project):
    would = kvlint("check", "--no-cache", "--show-fixes", ".", cwd=project)
    assert "Would fix 2 findings:\n- app.py:\n    2 × KV101 (keyvault-resource-trailing-slash)" in (
        would.stdout
    )
    did = kvlint("check", "--no-cache", "--fix", "--show-fixes", ".", cwd=project)
    assert did.returncode == 0
    assert "Fixed 2 findings:\n- app.py:\n    2 × KV101" in did.stdout
    assert (project / "app.py").read_text(encoding="utf-8") == CLEAN


def test_exit_non_zero_on_fix(kvlint, project):
    plain = kvlint("check", "--no-cache", "--fix", ".", cwd=project)
    assert plain.returncode == 0
    (project / "app.py").write_text(SLASHED, encoding="utf-8")
    strict = kvlint("check", "--no-cache", "--fix", "--exit-non-zero-on-fix", ".", cwd=project)
    assert strict.returncode == 1 and (project / "app.py").read_text(encoding="utf-8") == CLEAN
    again = kvlint("check", "--no-cache", "--fix", "--exit-non-zero-on-fix", ".", cwd=project)
    assert again.returncode == 0  # nothing fixed, nothing found


def test_statistics_honours_json(kvlint, project):
    result = kvlint(
        "check", "--no-cache", "--statistics", "--output-format", "json", ".", cwd=project
    )
    assert result.returncode == 1
    assert json.loads(result.stdout) == [
        {"code": "KV101", "name": "keyvault-resource-trailing-slash", "count": 2, "fixable": True}
    ]
    text = kvlint("check", "--no-cache", "--statistics", ".", cwd=project)
    assert "    2  KV101  [*] keyvault-resource-trailing-slash" in text.stdout
    sarif = kvlint("check", "--no-cache", "--statistics", "--format", "sarif", ".", cwd=project)
    assert sarif.returncode == 2 and "--statistics prints text or json" in sarif.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help(name):
    module = importlib.import_module(COMMANDS[name][0])
    parser = _Parser(prog=f"kvlint {name}")
    module.add_arguments(parser, name)
    missing = [
        action.option_strings or action.dest
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert missing == []


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--bogus"],
        ["check", "--output-format", "xml"],
        ["check", "--jobs", "many"],
        ["token", "a", "b"],
        ["audit", "--timeout", "soon"],
        ["logs", "--nope"],
        ["rules", "--face", "nope"],
        ["rule"],
    ],
)
def test_usage_errors_are_one_line_on_stderr(kvlint, args):
    result = kvlint(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "usage:" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"kvlint {args[0]}: error: ")


# --- output people read: short message, source line, help, colour, summary by code ------------


def test_the_short_message_is_the_first_sentence():
    from kvlint.report.text import split_message

    assert split_message("One (see e.g. this. And that). Two. Three") == (
        "One (see e.g. this. And that).",
        "Two. Three",
    )
    assert split_message("no sentence end") == ("no sentence end", "")
    assert split_message("Use 'https://vault.azure.net/.default'. Then") == (
        "Use 'https://vault.azure.net/.default'.",
        "Then",
    )


@pytest.mark.parametrize(
    ("args", "env", "colored"),
    [
        ([], {}, False),  # not a terminal
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ],
)
def test_colour(kvlint, project, args, env, colored):
    result = kvlint("check", "--no-cache", *args, ".", cwd=project, env=env)
    assert result.returncode == 1
    assert ("\x1b[" in result.stdout) is colored
    plain = kvlint("check", "--no-cache", "--color", "never", ".", cwd=project).stdout
    if colored:
        import re

        assert re.sub(r"\x1b\[[0-9;]*m", "", result.stdout) == plain


def test_colour_never_reaches_an_output_file(kvlint, project):
    result = kvlint("check", "--no-cache", "--color", "always", "-o", "out.txt", ".", cwd=project)
    assert result.returncode == 1
    written = (project / "out.txt").read_text(encoding="utf-8")
    assert "\x1b[" not in written and "^^^" in written


def test_full_output_marks_multi_line_spans_and_reads_stdin(kvlint, project):
    source = (
        "from azure.identity import DefaultAzureCredential\n"
        "DefaultAzureCredential().get_token(\n"
        '\t"https://vault.azure.net/"\n'
        ")\n"
    )
    result = kvlint(
        "check", "--no-cache", "-", "--stdin-filename", "x.py", input=source, cwd=project
    )
    assert result.returncode == 1, result.stderr
    assert (
        '3 |     "https://vault.azure.net/"\n  |     ^^^^^^^^^^^^^^^^^^^^^^^^^^\n' in result.stdout
    )


def test_summary_groups_counts_by_code(kvlint, project):
    (project / "more.py").write_text(
        "from azure.identity import DefaultAzureCredential\n"
        'DefaultAzureCredential().get_token("https://vault.azure.net")\n'
        "x = 1  # noqa: KV101\n",
        encoding="utf-8",
    )
    result = kvlint("check", "--no-cache", ".", cwd=project)
    assert result.stdout.splitlines()[-2:] == [
        "Found 4 findings (2 × KV101, 1 × KV100, 1 × KV103).",
        "4 fixable with `kvlint check --fix`.",
    ]


def test_the_readme_example_output_is_real(kvlint, tmp_path):
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```console\n$ kvlint check app/\n", 1)[1].split("```", 1)[0]
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "keyvault.py").write_text(
        "from azure.identity import DefaultAzureCredential\n\n"
        "cred = DefaultAzureCredential()\n\n\n"
        "def read_secret():\n"
        '    """Fetch a token for the vault."""\n'
        "    # the token is for Key Vault\n"
        "    name = 'app'\n\n\n"
        '    token = cred.get_token("https://vault.azure.net/")\n'
        "    return token, name\n",
        encoding="utf-8",
    )
    result = kvlint("check", "--no-cache", "app/", cwd=tmp_path)
    assert result.stdout == block
