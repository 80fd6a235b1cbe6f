"""KV3xx: documentation links and the one shared throttling analysis."""

from __future__ import annotations

import libcst as cst
import pytest

from kvlint import catalog
from kvlint.lint.facts import kv_calls, loops, types, web
from kvlint.lint.registry import all_rules
from kvlint.lint.semantic.model import Analysis

THROTTLING_GUIDANCE = "https://learn.microsoft.com/azure/key-vault/general/overview-throttling"
KV3_CODES = [code for code in catalog.codes("check") if code.startswith("KV3")]

SOURCE = """
import time
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from flask import Flask

app = Flask(__name__)
client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


@app.route("/")
def index():
    while True:
        client.get_secret("flags")
        time.sleep(5)
"""


def test_all_eight_rules_are_catalogued():
    assert [f"KV30{n}" for n in range(1, 9)] == KV3_CODES


@pytest.mark.parametrize("code", KV3_CODES)
def test_rule_page_links_the_throttling_guidance(code):
    assert THROTTLING_GUIDANCE in catalog.get(code).markdown()


def test_rule_command_shows_the_guidance(kvlint):
    result = kvlint("rule", "KV305")
    assert result.returncode == 0
    assert THROTTLING_GUIDANCE in result.stdout


def test_facts_are_computed_once_for_all_rules(monkeypatch):
    calls = {"kv_calls": 0, "request_handlers": 0, "loop_info": 0}
    for module, name, key in (
        (kv_calls, "_kv_calls", "kv_calls"),
        (web, "_request_handlers", "request_handlers"),
        (loops, "_loop_info", "loop_info"),
    ):
        original = getattr(module, name)

        def counting(*args, _original=original, _key=key):
            calls[_key] += 1
            return _original(*args)

        monkeypatch.setattr(module, name, counting)
    module = cst.parse_module(SOURCE)
    analysis = Analysis(module, SOURCE, types=types)
    kv3 = [rule for rule in all_rules() if rule.code.startswith("KV3")]
    codes = [r.code for rule in kv3 for r in rule().run(analysis)]
    assert sorted(codes) == ["KV304", "KV305"]
    assert calls == {"kv_calls": 1, "request_handlers": 1, "loop_info": 1}
