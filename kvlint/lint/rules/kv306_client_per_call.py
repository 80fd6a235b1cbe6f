"""KV306 keyvault-client-per-call: a credential or Key Vault client built per call, per request or per loop iteration."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts import types as kvtypes
from kvlint.lint.facts.caching import is_cached
from kvlint.lint.facts.frequency import ACCESSOR, PARTITION, SCHEDULED, how_often
from kvlint.lint.facts.kv_calls import kv_constructors
from kvlint.lint.facts.loops import from_loop_item, loops_of
from kvlint.lint.facts.retired import is_current_sdk
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class ClientPerCall(Rule):
    code = "KV306"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call, tag in kv_constructors(analysis):
            arguments = [a.value for a in call.args]
            # one client per vault / tenant is fine, one per item is not
            loop = next(
                (x for x in loops_of(analysis, call) if not from_loop_item(analysis, x, arguments)),
                None,
            )
            often = how_often(analysis, call) if loop is None else None
            if loop is not None:
                where = f"inside a {loop.described}"
            elif often is None or often.kind in (SCHEDULED, PARTITION):
                continue  # a schedule's period bounds how often it runs; an executor needs one
            elif often.kind == ACCESSOR and often.chain and not is_current_sdk(analysis, call):
                continue  # a factory of a retired credential: KV106's business
            else:
                where = often.describe(analysis)
            if is_cached(analysis, call):
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
