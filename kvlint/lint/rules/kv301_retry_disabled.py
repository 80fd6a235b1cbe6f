"""KV301 keyvault-retry-disabled: a Key Vault client whose retries are switched off."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.kv_calls import kv_calls, kv_constructors
from kvlint.lint.facts.retries import SDK_RETRY, retries_disabled
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class RetryDisabled(Rule):
    code = "KV301"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        calls = [
            call for call, tag in kv_constructors(analysis) if kvtypes.category(tag) == "kv-client"
        ]
        calls += [kv.call for kv in kv_calls(analysis) if kv.http is None]
        for call in calls:
            setting = retries_disabled(analysis, call)
            if setting is None:
                continue
            how = "a retry_policy without retries" if setting == "retry_policy" else f"{setting}=0"
            yield Report(
                "KV301",
                call,
                (
                    f"Key Vault retries are switched off ({how}): every 429 (throttling) "
                    f"becomes an error instead of a wait. Drop the setting and keep "
                    f"{SDK_RETRY}; tune retry_total / retry_backoff_factor / "
                    f"retry_backoff_max if needed."
                ),
            )
