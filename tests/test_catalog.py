"""Every rule file is complete, and ``kvlint rules`` / ``kvlint rule`` show them."""

from __future__ import annotations

import json
import re

import pytest

from kvlint import catalog

CODES = catalog.codes()


def test_catalogue_is_not_empty():
    assert "KV101" in CODES


@pytest.mark.parametrize("code", CODES)
def test_rule_metadata(code):
    rule = catalog.get(code)
    assert re.fullmatch(r"KV[AELT]?\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.fix in ("safe", "unsafe", "none")
    assert rule.references, f"{code} needs at least one reference"
    assert all(ref.url.startswith("https://") for ref in rule.references)
    page = rule.markdown()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in page


def test_names_are_unique():
    names = [catalog.get(code).name for code in CODES]
    assert len(names) == len(set(names))


def test_rule_command(kvlint):
    result = kvlint("rule", "kv101")
    assert result.returncode == 0
    assert result.stdout.startswith("# KV101 keyvault-resource-trailing-slash")
    assert "## References" in result.stdout


def test_rule_command_unknown_code(kvlint):
    result = kvlint("rule", "KV999")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "kvlint: error: unknown rule 'KV999': neither a code nor a name"
    )


def test_rules_command_json(kvlint):
    result = kvlint("rules", "--format", "json")
    assert result.returncode == 0
    listed = json.loads(result.stdout)
    assert [item["code"] for item in listed] == CODES


def test_unknown_command(kvlint):
    result = kvlint("lint")
    assert result.returncode == 2
    assert "unknown command" in result.stderr
    assert "Traceback" not in result.stderr


def test_fast_index_agrees_with_the_full_parse():
    for code, entry in catalog.index().items():
        rule = catalog.get(code)
        assert (entry.code, entry.name, entry.severity, entry.face) == (
            rule.code,
            rule.name,
            rule.severity,
            rule.face,
        )
