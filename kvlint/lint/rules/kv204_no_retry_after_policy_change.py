"""KV204 keyvault-no-retry-after-policy-change: a Key Vault read right after an access grant, with no retry on 403."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.grants import grants_before
from kvlint.lint.facts.kv_calls import kv_calls
from kvlint.lint.facts.retries import is_retried, waits_between
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class NoRetryAfterPolicyChange(Rule):
    code = "KV204"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in kv_calls(analysis):
            if not kv.read:
                continue
            before = grants_before(analysis, kv.call)
            if not before or is_retried(analysis, kv):
                continue
            if waits_between(analysis, before[-1][0], kv.call):
                continue  # the code already waits for the grant to take effect
            yield Report(
                "KV204",
                kv.call,
                (
                    f"Key Vault read right after {before[0][1]} in the same function: access changes "
                    f"take effect after a delay (minutes for access policies, up to ~10 minutes "
                    f"for role assignments), so this read can get 403 Forbidden. Retry on 403 "
                    f"with backoff (e.g. tenacity) for a few minutes, or read later."
                ),
            )
