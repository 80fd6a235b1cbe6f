"""KV303 keyvault-retry-without-backoff: a hand-written retry loop that does not back off or never gives up."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.kv_calls import kv_calls
from kvlint.lint.facts.loops import delay_grows, loops_of
from kvlint.lint.facts.retries import SDK_RETRY, awaits_operation, is_retry_loop
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class RetryWithoutBackoff(Rule):
    code = "KV303"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        seen: set[cst.CSTNode] = set()
        for kv in kv_calls(analysis):
            for loop in loops_of(analysis, kv.call):
                if loop.node in seen or loop.library_retry or loop.retry_after:
                    continue
                if not is_retry_loop(analysis, loop, kv):
                    continue
                if loop.sleeps and awaits_operation(analysis, loop, kv):
                    continue  # polling a long-running operation (at any pace) is not a retry
                seen.add(loop.node)
                problems = []
                if not loop.sleeps:
                    problems.append("retries immediately (no sleep)")
                elif not delay_grows(analysis, loop):
                    problems.append("sleeps a constant time")
                if not loop.bounded:
                    problems.append("never gives up (no attempt limit)")
                if not problems:
                    continue
                yield Report(
                    "KV303",
                    loop.node,
                    (
                        f"hand-written retry loop around a Key Vault call {' and '.join(problems)}: "
                        f"under throttling each attempt is another 429 and keeps the vault "
                        f"throttled. Back off exponentially (e.g. 2 ** attempt seconds, capped, "
                        f"with jitter), honour the Retry-After header and limit the attempts - or "
                        f"drop the loop and rely on {SDK_RETRY}."
                    ),
                )
