"""KV103 keyvault-scope-missing-default: a v1 resource where a v2 scope (``.../.default``) is required."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.audiences import AudienceSource, uses
from kvlint.lint.facts.urls import Audience
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


def add_default(body: str) -> str:
    """KV103's fix: append ``/.default``."""
    return body.rstrip("/") + "/.default"


def missing_default_message(written: str, audience: Audience) -> str:
    return (
        f"'{written}' is a v1 resource where a v2 scope is required: the token request "
        f"fails (AADSTS70011 invalid scope) or returns no Key Vault token. Use "
        f"'{audience.base}/.default'."
    )


class ScopeMissingDefault(Rule):
    code = "KV103"
    sources = ("python", "config")

    def run(self, module: Analysis | AudienceSource) -> Iterator[Report]:
        for use in uses(module):
            if not use.needs_scope:
                continue
            yield use.report(
                "KV103", missing_default_message(use.written, use.audience), add_default
            )
