"""KV205 keyvault-management-role-for-data-access: a vault role assignment whose built-in role
has no data actions, followed by Key Vault reads."""

from __future__ import annotations

from collections.abc import Iterator

from kvlint.lint.facts.roles import data_role, reads_after, role_assignments
from kvlint.lint.rule import Report, Rule
from kvlint.lint.semantic.model import Analysis


class ManagementRoleForDataAccess(Rule):
    code = "KV205"

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for grant in role_assignments(analysis):
            if grant.role is None or not grant.vault_scope or grant.role_expr is None:
                continue
            reads = reads_after(analysis, grant)
            if not reads:
                continue
            name, role_id = data_role(reads[0].method)
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
