"""KV307 keyvault-hsm-key-create-in-loop: HSM-protected keys created in a loop."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.frequency import ROW, how_often
from kvlint.lint.facts.kv_calls import creates_hsm_key, kv_calls
from kvlint.lint.facts.loops import loops_of
from kvlint.lint.facts.retries import in_retry_only
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class HsmKeyCreateInLoop(Rule):
    code = "KV307"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in kv_calls(analysis):
            if kv.http is not None or not creates_hsm_key(analysis, kv):
                continue
            loops = loops_of(analysis, kv.call)
            often = how_often(analysis, kv.call) if not loops else None
            if loops:
                if in_retry_only(analysis, kv):
                    continue
                where = f"in a {loops[0].described}"
            elif often is not None and often.kind == ROW:
                where = often.describe(analysis)
            else:
                continue
            yield Report(
                "KV307",
                kv.call,
                (
                    f"HSM-protected key created {where}: Key Vault allows only "
                    f"about 10 HSM RSA/EC key creations per 10 s per vault, so bulk creation is "
                    f"throttled (429). Pace the creations (a sleep between keys, honouring "
                    f"Retry-After), create keys ahead of time, or use software-protected keys "
                    f"where HSM protection is not required."
                ),
            )
