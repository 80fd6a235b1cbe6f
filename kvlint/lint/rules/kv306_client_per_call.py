"""KV306 keyvault-client-per-call: a credential or Key Vault client built per call, per request or per loop iteration."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.caching import is_cached
from kvlint.lint.facts.frequency import ACCESSOR, PARTITION, SCHEDULED, how_often
from kvlint.lint.facts.kv_calls import kv_constructors
from kvlint.lint.facts.loops import from_loop_item, loops_of
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class ClientPerCall(Rule):
    code = "KV306"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call, tag in kv_constructors(analysis):
            where = self._where(analysis, call)
            if where is None or is_cached(analysis, call):
                continue
            name = tag.split(":", 1)[1]
            what = "credential" if kvtypes.category(tag) == "credential" else "Key Vault client"
            yield Report(
                "KV306",
                call,
                (
                    f"new {name} ({what}) built {where}: each one starts without a token cache "
                    f"or connection pool, so every call also asks Azure AD for a token and opens "
                    f"new connections, multiplying requests until they are throttled (429). "
                    f"Create the credential and client once - at module level, at app startup, "
                    f"or in an @functools.cache factory - and reuse them."
                ),
            )

    @staticmethod
    def _where(analysis: Analysis, call: cst.Call) -> str | None:
        for loop in loops_of(analysis, call):
            per_item = from_loop_item(analysis, loop, [a.value for a in call.args])
            if not per_item:  # one client per vault / tenant is fine, one per item is not
                return f"inside a {loop.described}"
        often = how_often(analysis, call)
        if often is None or often.kind in (SCHEDULED, PARTITION):
            return None  # a schedule's period bounds how often it runs; an executor needs one
        if often.kind == ACCESSOR and often.chain and not _current_sdk(analysis, call):
            return None  # a factory of a retired credential: KV106's business
        return often.describe(analysis)


def _current_sdk(analysis: Analysis, call: cst.Call) -> bool:
    """An azure.identity credential or a Key Vault client (the catalogue's definitions), not a
    retired msrestazure / azure.common credential: those have their own finding (KV106)."""
    qualname = analysis.callee(call) or ""
    return qualname.startswith(("azure.identity.", "azure.keyvault."))
