"""KV305 keyvault-read-per-request: a Key Vault read on every web request."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.caching import is_cached
from kvlint.lint.facts.kv_calls import kv_calls
from kvlint.lint.facts.web import request_context
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class ReadPerRequest(Rule):
    code = "KV305"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in kv_calls(analysis):
            if not kv.read:
                continue
            context = request_context(analysis, kv.call)
            if context is None or is_cached(analysis, kv.call):
                continue
            yield Report(
                "KV305",
                kv.call,
                (
                    f"Key Vault read on every request ({context.describe()}): traffic to the app "
                    f"becomes traffic to the vault, which throttles at about 4,000 requests per "
                    f"10 s and answers 429. Read the value once at startup, or cache it with a "
                    f"TTL (cachetools.TTLCache, @cached(TTLCache(maxsize=64, ttl=600))), using "
                    f"a module-level client."
                ),
            )
