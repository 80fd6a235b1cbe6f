"""KV308 keyvault-list-then-get: a get for every item of a listing (N+1)."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.helper_reads import helper_reads
from kvlint.lint.facts.kv_calls import kv_calls
from kvlint.lint.facts.loops import iterates_kv_list, loops_of, uses_loop_item
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class ListThenGet(Rule):
    code = "KV308"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in [*kv_calls(analysis), *helper_reads(analysis)]:
            if kv.http is not None or not kv.method.startswith("get_"):
                continue
            through = f" (in the helper {kv.helper}())" if kv.helper is not None else ""
            for loop in loops_of(analysis, kv.call):
                listing = iterates_kv_list(analysis, loop)
                if listing and uses_loop_item(analysis, loop, kv):
                    yield Report(
                        "KV308",
                        kv.call,
                        (
                            f"{kv.method}(){through} for every item of {listing}(): one request "
                            f"per item (N+1), so a large vault is throttled (429). The listed properties "
                            f"already carry names, tags, dates and content types; fetch values "
                            f"only for the items you need, and cache them with a TTL."
                        ),
                    )
                    break
