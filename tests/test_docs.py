"""The README stays true: its rule table matches rules/, and its CI recipes are valid."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT
from tools.update_readme import render

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_the_catalogue():
    assert render(README) == README, "README rule table is stale: run python tools/update_readme.py"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README, re.DOTALL)


def _schema_for(block: str) -> str | None:
    data = yaml.safe_load(block)
    if isinstance(data, dict) and "jobs" in data:
        return "vendor.github-workflows"
    if isinstance(data, dict) and "steps" in data and "pool" in data:
        return "vendor.azure-pipelines"
    return None


@pytest.mark.parametrize(
    "block", [b for b in _yaml_blocks() if _schema_for(b)], ids=lambda b: b.split("\n", 1)[0]
)
def test_ci_recipes_validate_against_their_schemas(block, tmp_path):
    path = tmp_path / "recipe.yml"
    path.write_text(block)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--regex-variant",
            "nonunicode",
            "--builtin-schema",
            _schema_for(block),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_yaml_block_parses():
    for block in _yaml_blocks():
        yaml.safe_load(block)


def test_readme_install_and_test_commands_are_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    install = "python3 -m venv .venv && . .venv/bin/activate && python -m pip install -e '.[test]'"
    for command in (install, "python -m pytest"):
        assert command in README
        assert command in ci, f".ci/run must run the README's {command!r} as written"
