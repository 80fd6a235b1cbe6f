"""KV302 keyvault-raw-request-without-retry: a raw HTTP request to Key Vault with nothing retrying it."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.kv_calls import kv_calls
from kvlint.lint.facts.loops import loops_of
from kvlint.lint.facts.retries import SDK_RETRY, is_retry_loop, retry_protection
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class RawRequestWithoutRetry(Rule):
    code = "KV302"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in kv_calls(analysis):
            if kv.http is None or retry_protection(analysis, kv) is not None:
                continue
            loop_note = ""
            if any(is_retry_loop(analysis, loop, kv) for loop in loops_of(analysis, kv.call)):
                loop_note = " The loop around it retries without backing off (see KV303)."
            via = f" ({kv.via})" if kv.via else ""
            yield Report(
                "KV302",
                kv.call,
                (
                    f"raw HTTP request to Key Vault through {kv.http.library}{via} with no retry: a 429 "
                    f"(throttling) or 503 fails at once.{loop_note} Prefer the Key Vault SDK client, "
                    f"which has {SDK_RETRY}; otherwise retry with exponential backoff that honours "
                    f"Retry-After (tenacity / backoff, or a requests Session mounting "
                    f"HTTPAdapter(max_retries=Retry(total=5, backoff_factor=1, "
                    f"status_forcelist=[429, 500, 503])))."
                ),
            )
