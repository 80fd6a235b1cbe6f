"""KV203 keyvault-overbroad-access-policy: an access policy granting 'all' or 'purge'."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.mgmt import (
    entries,
    is_access_policy_dict,
    model_fields,
    permissions_granted,
    resolve,
)
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis

PERMISSION_KINDS = ("keys", "secrets", "certificates", "storage")


OVERBROAD = ("all", "purge")


class OverbroadAccessPolicy(Rule):
    code = "KV203"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for field, value in model_fields(analysis, "Permissions"):
            if field in PERMISSION_KINDS:
                yield from self._check(analysis, field, value)
        for node in analysis.index.dicts:
            if not is_access_policy_dict(analysis, node):
                continue
            permissions = resolve(analysis, entries(analysis, node)["permissions"])
            if isinstance(permissions, cst.Dict):
                for field, value in entries(analysis, permissions).items():
                    if field in PERMISSION_KINDS:
                        yield from self._check(analysis, field, value)

    def _check(self, analysis: Analysis, field: str, value: cst.BaseExpression) -> Iterator[Report]:
        bad = sorted({name for name in permissions_granted(analysis, value) if name in OVERBROAD})
        if not bad:
            return
        granted = " and ".join(f"'{name}'" for name in bad)
        yield Report(
            "KV203",
            value,
            (
                f"access policy grants {granted} on {field}: 'all' includes purge (permanent "
                f"deletion) and every future permission; 'purge' destroys soft-deleted items for "
                f"good. Grant the operations the caller needs (e.g. get, list) and keep purge "
                f"with a break-glass identity."
            ),
        )
