"""Azure RBAC role assignments written in code (``azure.mgmt.authorization``): which built-in
role, at which scope. Role ids are Microsoft's built-in role definition ids."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from kvlint.lint.facts.kv_calls import KvCall, kv_calls
from kvlint.lint.facts.mgmt import entries, resolve
from kvlint.lint.semantic.memo import module_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg

# Built-in roles with no Key Vault data actions: in RBAC mode their holders get 403 on reads.
MANAGEMENT_ROLES = {
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "f25e0fa2-a7c8-4377-a976-54943a77a395": "Key Vault Contributor",
}
# The data-plane roles to use instead, by what is read.
DATA_ROLES = {
    "secrets": ("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"),
    "keys": ("Key Vault Crypto User", "12338af0-0e69-4776-bea7-57ae8d297424"),
    "certificates": ("Key Vault Certificate User", "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"),
}
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VAULT_SCOPE = "/providers/microsoft.keyvault/vaults/"


@dataclass(frozen=True)
class RoleAssignment:
    call: cst.Call  # role_assignments.create(...)
    role: str | None  # the built-in role's name when it is a management-only one
    role_expr: cst.BaseExpression | None  # where the role id is written
    vault_scope: bool  # the scope is a Key Vault (the scope text names one)


@module_fact
def role_assignments(analysis: Analysis) -> list[RoleAssignment]:
    """Every ``<client>.role_assignments.create(scope, name, parameters)`` call."""
    out = []
    for call in analysis.index.calls:
        func = call.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value == "create"
            and isinstance(func.value, cst.Attribute)
            and func.value.attr.value == "role_assignments"
        ):
            continue
        scope = arg(call, "scope", 0)
        scope_text = _text(analysis, scope.value) if scope is not None else ""
        role_expr = _role_definition(analysis, call)
        role = None
        if role_expr is not None:
            found = _GUID.findall(_text(analysis, role_expr))
            role = MANAGEMENT_ROLES.get(found[-1]) if found else None
        out.append(RoleAssignment(call, role, role_expr, VAULT_SCOPE in scope_text))
    return out


def _text(analysis: Analysis, expr: cst.BaseExpression) -> str:
    folded = analysis.fold(expr)
    return folded.text.lower() if folded is not None else ""


def _role_definition(analysis: Analysis, call: cst.Call) -> cst.BaseExpression | None:
    """The ``role_definition_id`` of the assignment's parameters (model or dict)."""
    parameters = arg(call, "parameters", 2)
    if parameters is None:
        return None
    value = resolve(analysis, parameters.value)
    if isinstance(value, cst.Call) and (analysis.callee(value) or "").endswith(
        "RoleAssignmentCreateParameters"
    ):
        found = arg(value, "role_definition_id")
        return found.value if found is not None else None
    if isinstance(value, cst.Dict):
        fields = entries(analysis, value)
        if "properties" in fields:
            inner = resolve(analysis, fields["properties"])
            fields = entries(analysis, inner) if isinstance(inner, cst.Dict) else {}
        return fields.get("roledefinitionid")
    return None


def data_role(method: str) -> tuple[str, str]:
    """The data-plane role (name, id) a Key Vault read by ``method`` needs in RBAC mode."""
    if "certificate" in method:
        return DATA_ROLES["certificates"]
    if "key" in method or method in ("encrypt", "decrypt", "sign", "verify", "wrap_key"):
        return DATA_ROLES["keys"]
    return DATA_ROLES["secrets"]


def reads_after(analysis: Analysis, grant: RoleAssignment) -> list[KvCall]:
    """The Key Vault reads that follow the role assignment in the same function."""
    function = analysis.enclosing_function(grant.call)
    return [
        kv
        for kv in kv_calls(analysis)
        if kv.read
        and analysis.enclosing_function(kv.call) is function
        and analysis.order[kv.call] > analysis.order[grant.call]
    ]
