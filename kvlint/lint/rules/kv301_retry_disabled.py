"""KV301 keyvault-retry-disabled: a Key Vault client whose retries are switched off."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.kv_calls import kv_calls, kv_constructors
from kvlint.lint.facts.retries import SDK_RETRY
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import keywords
from kvlint.lint.semantic.values import int_value

RETRY_KEYWORDS = ("retry_total", "retry_status")


NO_RETRY_POLICIES = ("RetryPolicy", "AsyncRetryPolicy")


class RetryDisabled(Rule):
    code = "KV301"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        calls = [
            call for call, tag in kv_constructors(analysis) if kvtypes.category(tag) == "kv-client"
        ]
        calls += [kv.call for kv in kv_calls(analysis) if kv.http is None]
        for call in calls:
            setting = self._disabling(analysis, call)
            if setting is not None:
                yield Report(
                    "KV301",
                    call,
                    (
                        f"Key Vault retries are switched off ({setting}): every 429 (throttling) "
                        f"becomes an error instead of a wait. Drop the setting and keep "
                        f"{SDK_RETRY}; tune retry_total / retry_backoff_factor / "
                        f"retry_backoff_max if needed."
                    ),
                )

    @classmethod
    def _disabling(cls, analysis: Analysis, call: cst.Call) -> str | None:
        options = dict(keywords(call))
        for argument in call.args:
            if argument.star == "**":
                options.update(_dict_options(analysis, argument.value))
        for name in RETRY_KEYWORDS:
            if name in options and int_value(analysis, options[name].value) == 0:
                return f"{name}=0"
        policy = options.get("retry_policy")
        if policy is not None and cls._no_retry_policy(analysis, policy.value):
            return "a retry_policy without retries"
        return None

    @classmethod
    def _no_retry_policy(cls, analysis: Analysis, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            values = analysis.assigned_values(expr)
            return bool(values) and all(cls._no_retry_policy(analysis, v) for v in values)
        if not isinstance(expr, cst.Call):
            return False
        name = analysis.callee(expr) or ""
        parts = name.rsplit(".", 2)
        if parts[-1] == "no_retries" and len(parts) > 1 and parts[-2] in NO_RETRY_POLICIES:
            return True
        if parts[-1] in NO_RETRY_POLICIES:
            kw = keywords(expr)
            return any(k in kw and int_value(analysis, kw[k].value) == 0 for k in RETRY_KEYWORDS)
        return False


def _dict_options(analysis: Analysis, expr: cst.BaseExpression) -> dict[str, cst.Arg]:
    """``**{"retry_total": 0}`` / ``**options`` (a local dict literal) as keyword arguments."""
    if isinstance(expr, cst.Name):
        values = analysis.assigned_values(expr)
        expr = values[-1] if values else expr
    options = {}
    if isinstance(expr, cst.Dict):
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                key = analysis.fold_str(element.key)
                if key:
                    options[key] = cst.Arg(element.value)
    return options
