"""KV205 keyvault-management-role-for-data-access: a vault role assignment whose built-in role
has no data actions, followed by Key Vault reads."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.kv_calls import kv_calls
from kvlint.lint.facts.roles import DATA_ROLES, role_assignments
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


def _data_role(method: str) -> tuple[str, str]:
    if "certificate" in method:
        return DATA_ROLES["certificates"]
    if "key" in method or method in ("encrypt", "decrypt", "sign", "verify", "wrap_key"):
        return DATA_ROLES["keys"]
    return DATA_ROLES["secrets"]


class ManagementRoleForDataAccess(Rule):
    code = "KV205"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for grant in role_assignments(analysis):
            if grant.role is None or not grant.vault_scope or grant.role_expr is None:
                continue
            function = analysis.enclosing_function(grant.call)
            reads = [
                kv
                for kv in kv_calls(analysis)
                if kv.read
                and analysis.enclosing_function(kv.call) is function
                and analysis.order[kv.call] > analysis.order[grant.call]
            ]
            if not reads:
                continue
            name, role_id = _data_role(reads[0].method)
            yield Report(
                "KV205",
                grant.role_expr,
                (
                    f"role assignment grants '{grant.role}' on the vault, then this code reads "
                    f"from it ({reads[0].method}()): '{grant.role}' has no Key Vault data "
                    f"actions, so in RBAC mode every read gets 403 Forbidden. Assign the data-"
                    f"plane role '{name}' ({role_id}) instead (Key Vault Crypto User for keys, "
                    f"Key Vault Certificate User for certificates)."
                ),
            )
