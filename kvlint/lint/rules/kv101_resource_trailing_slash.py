"""KV101 keyvault-resource-trailing-slash: a Key Vault token resource or scope with a stray slash (Python and configuration files)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kvlint.lint.facts.audiences import SLASH_KINDS, AudienceSource, uses
from kvlint.lint.facts.urls import Audience
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


def drop_slash(body: str) -> str:
    """KV101's fix: ``https://vault.azure.net/`` → ``…net``, ``…net//.default`` → ``…net/.default``."""
    body = re.sub(r"/{2,}(\.default)$", r"/\1", body, flags=re.IGNORECASE)
    return re.sub(r"(://[^/]+)/+$", r"\1", body)


def slash_to_scope(body: str) -> str:
    """KV101's fix where a v2 scope is expected: drop the slash and append ``/.default``."""
    return drop_slash(body) + "/.default"


def slash_message(written: str, audience: Audience) -> str:
    scope = f"{audience.base}/.default"
    return (
        f"Key Vault token {'scope' if audience.kind == 'double-slash' else 'resource'} "
        f"'{written}' has a stray '/': Key Vault rejects the token with 401 AKV10022 "
        f"(Invalid audience). Use the scope '{scope}' (or the v1 resource "
        f"'{audience.base}')."
    )


class ResourceTrailingSlash(Rule):
    code = "KV101"
    sources = ("python", "config")

    def run(self, module: Analysis | AudienceSource) -> Iterator[Report]:
        for use in uses(module):
            if use.audience.kind not in SLASH_KINDS:
                continue
            message = slash_message(use.written, use.audience)
            yield use.report("KV101", message, slash_to_scope if use.to_scope else drop_slash)
