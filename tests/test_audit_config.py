"""``[tool.kvlint.audit]``: discovery, validation (unknown key / wrong type names the key)."""

from __future__ import annotations

import pytest

from kvlint.audit import config
from kvlint.errors import KvlintError
from kvlint.findings import Finding, Resource


def finding(vault: str = "kv-app", code: str = "KVA211") -> Finding:
    return Finding.of(
        code,
        "m",
        resource=Resource(
            vault,
            f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/{vault}",
            "s",
        ),
    )


def test_defaults_without_pyproject(tmp_path):
    settings = config.load(tmp_path)
    assert settings == config.AuditConfig()
    assert (settings.thresholds.max_principals, settings.thresholds.min_retention_days) == (25, 90)


def test_nearest_pyproject_with_a_kvlint_table_wins(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kvlint.audit]\nmax-principals = 3\n")
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    assert config.load(inner).thresholds.max_principals == 3
    # like the lint settings (and ruff), a pyproject.toml without [tool.kvlint] is skipped
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert config.load(inner).thresholds.max_principals == 3
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.kvlint]\n")
    nearest = config.load(inner)
    assert nearest.thresholds.max_principals == 25
    assert nearest.source == (tmp_path / "a" / "pyproject.toml").resolve()


def test_full_table():
    settings = config.parse(
        {
            "ignore": ["kva301"],
            "fail-on": "error",
            "max-principals": 10,
            "min-retention-days": 30,
            "waivers": [
                {"vault": "KV-*", "codes": ["KVA211"], "reason": "r1"},
                {"vault": "/subscriptions/s/*", "reason": "r2"},
            ],
        }
    )
    assert settings.ignore == {"KVA301"} and settings.fail_on == "error"
    assert settings.waiver_for(finding()).reason == "r1"  # name glob, case-insensitive
    assert settings.waiver_for(finding(code="KVA401")).reason == "r2"  # id glob, any code
    assert (
        config.parse({"waivers": [{"vault": "kv-app", "reason": "x"}]}).waiver_for(
            finding("kv-app2")
        )
        is None
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"ignored": []}, "unknown key 'ignored'"),
        ({"ignore": "KVA211"}, "ignore must be a list of codes"),
        ({"ignore": ["KV101"]}, "ignore: unknown audit code 'KV101'"),
        ({"fail-on": "high"}, "fail-on must be one of info, warning, error"),
        ({"max-principals": "25"}, "max-principals must be an integer"),
        ({"max-principals": True}, "max-principals must be an integer"),
        ({"max-principals": 0}, "max-principals must be at least 1"),
        ({"min-retention-days": 365}, "min-retention-days must be between 7 and 90"),
        ({"waivers": {"vault": "x"}}, "waivers must be an array of tables"),
        ({"waivers": [{"vault": "x"}]}, "waivers[0].reason must be a non-empty string"),
        ({"waivers": [{"vault": "x", "reason": " "}]}, "waivers[0].reason must be a non-empty"),
        ({"waivers": [{"vault": "x", "reason": "r", "code": ["KVA211"]}]}, "unknown key 'code'"),
        ({"waivers": [{"vault": "x", "reason": "r", "codes": ["KVA999"]}]}, "unknown audit code"),
    ],
)
def test_invalid_tables_name_the_key(table, message):
    with pytest.raises(
        KvlintError, match=f"^\\[tool.kvlint.audit\\].*{__import__('re').escape(message)}"
    ):
        config.parse(table)


def test_unreadable_toml(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kvlint.audit\n")
    with pytest.raises(KvlintError, match="invalid TOML"):
        config.load(tmp_path)
