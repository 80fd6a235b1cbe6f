"""KV307 keyvault-hsm-key-create-in-loop: HSM-protected keys created in a loop."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kvlint.lint.facts.frequency import ROW, how_often
from kvlint.lint.facts.kv_calls import KvCall, kv_calls
from kvlint.lint.facts.loops import loops_of
from kvlint.lint.facts.retries import in_retry_only
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg, keywords
from kvlint.lint.semantic.values import int_value

HSM_CREATE_METHODS = ("create_rsa_key", "create_ec_key")


HSM_KEY_TYPE_MEMBERS = ("rsa_hsm", "ec_hsm")  # azure.keyvault.keys.KeyType


HSM_KEY_TYPE_VALUES = ("RSA-HSM", "EC-HSM")


class HsmKeyCreateInLoop(Rule):
    code = "KV307"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for kv in kv_calls(analysis):
            if kv.http is not None or not self._creates_hsmkey_of(analysis, kv):
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

    @staticmethod
    def _creates_hsmkey_of(analysis: Analysis, kv: KvCall) -> bool:
        kw = keywords(kv.call)
        if kv.method in HSM_CREATE_METHODS:
            hardware = kw.get("hardware_protected")
            return hardware is not None and int_value(analysis, hardware.value) == 1
        if kv.method == "create_key":
            key_type = arg(kv.call, "key_type", 1)
            return key_type is not None and _is_hsm_key_type(analysis, key_type.value)
        return False


def _is_hsm_key_type(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value.lower() in HSM_KEY_TYPE_MEMBERS
    if isinstance(expr, cst.Name) and analysis.fold_str(expr) is None:
        return any(_is_hsm_key_type(analysis, v) for v in analysis.assigned_values(expr))
    return (analysis.fold_str(expr) or "").upper() in HSM_KEY_TYPE_VALUES
