"""KV304 keyvault-read-in-loop: a Key Vault read repeated by a loop over data or a polling loop."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.caching import is_cached
from kvlint.lint.facts.frequency import ROW, ROWS_OF, how_often
from kvlint.lint.facts.helper_reads import helper_reads
from kvlint.lint.facts.kv_calls import KvCall, kv_calls
from kvlint.lint.facts.loops import (
    iterates_kv_list,
    iterates_literal,
    loops_of,
    paginates,
    uses_loop_item,
)
from kvlint.lint.facts.retries import is_retry_loop
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class ReadInLoop(Rule):
    code = "KV304"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in [*kv_calls(analysis), *helper_reads(analysis)]:
            if not kv.read:
                continue
            why = self._why(analysis, kv)
            if why is None or is_cached(analysis, kv.call):
                continue
            if kv.helper is not None:
                why = f"({kv.method}() in the helper {kv.helper}()) {why}"
            yield Report(
                "KV304",
                kv.call,
                (
                    f"Key Vault read {why}: the request count grows with every iteration and "
                    f"counts against the vault's limit (about 4,000 requests per 10 s, shared by "
                    f"every caller), ending in 429. Read each secret once and cache it with a TTL "
                    f"(e.g. cachetools.TTLCache), outside the loop."
                ),
            )

    @staticmethod
    def _why(analysis: Analysis, kv: KvCall) -> str | None:
        for loop in loops_of(analysis, kv.call):
            if is_retry_loop(analysis, loop, kv):
                continue  # KV303's business
            if loop.kind == "while":
                if paginates(analysis, loop, kv):
                    continue
                return "inside a while loop (polling)"
            if loop.sleeps:
                return "inside a loop that sleeps (polling)"
            if iterates_literal(analysis, loop):
                continue
            if iterates_kv_list(analysis, loop) and uses_loop_item(analysis, loop, kv):
                continue  # N+1 over a listing: KV308
            often = how_often(analysis, kv.call) if kv.helper is None else None
            if often is not None and often.label.startswith(ROWS_OF):
                return often.describe(analysis)  # the rows of a Spark partition
            return f"inside a {loop.described} over data that is not a fixed list of names"
        often = how_often(analysis, kv.call) if kv.helper is None else None
        if often is not None and often.kind == ROW:
            return often.describe(analysis)
        return None
