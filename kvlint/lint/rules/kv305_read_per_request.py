"""KV305 keyvault-read-per-request: a Key Vault read on every web request, task or message."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.caching import is_cached
from kvlint.lint.facts.frequency import REQUEST, TASK, how_often
from kvlint.lint.facts.kv_calls import kv_calls
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

WHAT = {
    REQUEST: "traffic to the app becomes traffic to the vault",
    TASK: "every task or message the worker takes becomes a request to the vault",
}


class ReadPerRequest(Rule):
    code = "KV305"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in kv_calls(analysis):
            if not kv.read:
                continue
            often = how_often(analysis, kv.call)
            if often is None or often.kind not in WHAT or is_cached(analysis, kv.call):
                continue
            yield Report(
                "KV305",
                kv.call,
                (
                    f"Key Vault read {often.describe(analysis)}: {WHAT[often.kind]}, which "
                    f"throttles at about 4,000 requests per 10 s and answers 429. Read the value "
                    f"once at startup, or cache it with a TTL (cachetools.TTLCache, "
                    f"@cached(TTLCache(maxsize=64, ttl=600))), using a module-level client."
                ),
            )
