"""SARIF 2.1.0 envelope and rule metadata, shared by ``kvlint check`` and ``kvlint audit``."""

from __future__ import annotations

from collections.abc import Iterable

from kvlint import __version__, catalog

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
INFORMATION_URI = "https://pypi.org/project/kvlint-azure/"


def rule_descriptor(rule: catalog.Rule, severity: str | None = None) -> dict:
    level = LEVELS[severity or rule.severity]
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary.strip()},
        "fullDescription": {"text": rule.what.strip()},
        "help": {"text": rule.why.strip(), "markdown": rule.markdown()},
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": ["azure-key-vault", rule.face, *(b.tag for b in rule.benchmarks)],
            "precision": "high",
        },
    }
    if rule.help_uri:
        descriptor["helpUri"] = rule.help_uri
    return descriptor


def log(
    results: list[dict],
    codes: Iterable[str],
    severities: dict[str, str] | None = None,
    *,
    invocation_ok: bool = True,
    notifications: list[dict] | None = None,
) -> dict:
    """A complete SARIF log. Each result must carry ``ruleId``; ``ruleIndex`` is filled here."""
    severities = severities or {}
    ordered = sorted(set(codes) | {result["ruleId"] for result in results})
    index = {code: i for i, code in enumerate(ordered)}
    rules = [rule_descriptor(catalog.get(code), severities.get(code)) for code in ordered]
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    invocation: dict = {"executionSuccessful": invocation_ok}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kvlint",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
