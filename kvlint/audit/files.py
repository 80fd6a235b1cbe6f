"""Everything ``--input`` reads: the encodings and the export shapes users really hand kvlint.

One file may hold vaults, role assignments, role definitions and deny assignments, in any mix of:

- ``az keyvault show`` / ``list`` output, an ARM REST vault or page ``{"value": [...]}``;
- Resource Graph rows, its REST response ``{"data": [...]}`` and Search-AzGraph's ``{"Data": [...]}``;
- ``Get-AzKeyVault | ConvertTo-Json -Depth 5`` (:mod:`kvlint.audit.powershell`);
- role assignments, role definitions and deny assignments (:mod:`kvlint.audit.roles`);
- ARM templates and compiled Bicep (:mod:`kvlint.audit.arm_template`) and Terraform plans
  (:mod:`kvlint.audit.terraform`): their findings point at the file and line.

A document of another kind is one error naming it; a file of an unsupported shape is one clear
line naming what was found (a REST API example: "found responses.200.body") and what to pass.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kvlint.audit import (
    arm_template,
    deploy,
    deploy_arm,
    hcl,
    iac,
    perimeter,
    powershell,
    roles,
    terraform,
)
from kvlint.audit.model import ReadError, Vault, is_vault_document, read_vault
from kvlint.errors import KvlintError
from kvlint.fileio import read_regular

EXPECTED = (
    'expected vaults (an object, a list, an ARM page {"value": [...]}, Resource Graph rows or '
    "Search-AzGraph output), role assignments, role definitions or deny assignments"
)


@dataclass
class Inputs:
    vaults: list[Vault] = field(default_factory=list)
    assignments: list[roles.RoleAssignment] = field(default_factory=list)
    definitions: dict[str, roles.RoleDefinition] = field(default_factory=dict)
    saw_assignments: bool = False  # an export of role assignments was given (maybe empty)
    denies: list[roles.DenyAssignment] = field(default_factory=list)
    saw_denies: bool = False  # an export of deny assignments was given (maybe empty)
    perimeters: perimeter.Perimeters = field(default_factory=perimeter.Perimeters)
    # infrastructure code: role assignments it would create, by vault id (not a full picture)
    planned_assignments: dict[str, list[roles.RoleAssignment]] = field(default_factory=dict)
    # infrastructure code: what running it does to its own vaults (the KVA7xx checks)
    deployments: list[deploy.Deployment] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)  # Terraform source folders already read
    parameters: dict[str, Any] | None = None  # --parameters: values for the ARM templates


def decode_input(raw: bytes | str, path: str) -> str:
    """Exported JSON as text: UTF-8 (with or without a BOM) or UTF-16 (what Windows PowerShell's
    ``>`` writes; with a BOM, or told apart by its zero bytes as RFC 8259 section 8.1 allows)."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif len(raw) >= 2 and raw[0] and not raw[1]:
        encoding = "utf-16-le"
    elif len(raw) >= 2 and not raw[0] and raw[1]:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = encoding[:6].upper()  # UTF-8, UTF-16, UTF-32
        raise KvlintError(
            f"{path}: not {name} text (undecodable byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start}); export the JSON as UTF-8 or UTF-16"
        ) from None


def load_json(path: str, stdin: Any = None) -> Any:
    return load_text(path, stdin)[1]


def load_text(path: str, stdin: Any = None) -> tuple[str, Any]:
    try:
        if path == "-":
            stream = stdin or sys.stdin
            raw = getattr(stream, "buffer", stream).read()
        else:
            raw = read_regular(path)  # never a pipe or a device
    except OSError as exc:
        raise KvlintError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = decode_input(raw, path)
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise KvlintError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise KvlintError(f"{path}: JSON nested too deeply") from None


def _keys(data: dict) -> str:
    names = sorted(map(str, data))
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def _unsupported(data: dict, path: str) -> str | None:
    """Why a whole file is not an export kvlint reads, or None."""
    responses = data.get("responses")
    if isinstance(responses, dict):
        for status, answer in responses.items():
            if isinstance(answer, dict) and "body" in answer:
                return (
                    f"{path}: found responses.{status}.body: this is a REST API example, not "
                    "an export; pass the body itself (or `az keyvault show` output)"
                )
    if "terraform_version" in data or "planned_values" in data:
        return (
            f"{path}: found Terraform JSON that is not a plan (no resource_changes or "
            "planned_values: the state?): pass the JSON of a saved plan (terraform show -json "
            "plan.out) or the .tf files"
        )
    return None


def documents(data: Any, path: str) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        reason = _unsupported(data, path)
        if reason:
            raise KvlintError(reason)
        for key in ("value", "data", "Data"):  # ARM page, Resource Graph, Search-AzGraph
            if isinstance(data.get(key), list) and "properties" not in data:
                return data[key]
        if (
            is_vault_document(data)
            or "properties" in data
            or roles.kind(data)
            or perimeter.kind(data)
            or powershell.is_powershell_vault(data)
        ):
            return [data]
        raise KvlintError(f"{path}: found an object with keys {_keys(data)}; {EXPECTED}")
    raise KvlintError(f"{path}: found a JSON {type(data).__name__}; {EXPECTED}")


def read(
    path: str,
    into: Inputs,
    *,
    tenant: str | None,
    errors: list[ReadError],
    stdin: Any = None,
    iac_only: bool = False,
) -> None:
    """Add the vaults, role assignments and definitions of one exported file to ``into``;
    ``iac_only`` skips anything but infrastructure code (unreadable JSON included)."""
    if hcl.is_terraform(path) or (path != "-" and Path(path).is_dir()):
        _read_terraform(path, into, errors)
        return
    try:
        text, data = load_text(path, stdin)
    except KvlintError:
        if iac_only:
            return
        raise
    if iac_only and not (arm_template.is_template(data) or terraform.is_plan(data)):
        return
    if arm_template.is_template(data):
        located = iac.load_with_lines(text)
        declared = arm_template.template_vaults(located, path, errors, into.parameters)
        into.vaults += declared
        vaults = {v.id: v for v in declared}
        into.deployments.append(
            deploy.Deployment(
                source=path,
                vaults=vaults,
                writes=deploy_arm.arm_writes(located, path, vaults, into.parameters),
                grants=deploy_arm.arm_grants(located, path)
                + deploy_arm.arm_role_grants(located, path, vaults, into.parameters),
            )
        )
        return
    if terraform.is_plan(data):
        _read_plan(iac.load_with_lines(text), path, into, errors)
        return
    if isinstance(data, dict) and "deploymentparameters" in str(data.get("$schema", "")).lower():
        raise KvlintError(
            f"{path}: found ARM template parameters, not a template: give them with "
            "--parameters FILE beside the template"
        )
    docs = documents(data, path)
    for index, doc in enumerate(docs):
        where = f"{path}[{index}]" if len(docs) > 1 else path
        role_kind = roles.kind(doc)
        if role_kind:
            into.saw_assignments |= role_kind == "assignment"
            into.saw_denies |= role_kind == "deny"
            try:
                if role_kind == "assignment":
                    into.assignments.append(roles.assignment(doc))
                elif role_kind == "deny":
                    into.denies.append(roles.deny_assignment(doc))
                else:
                    definition = roles.definition(doc)
                    into.definitions[definition.id] = definition
            except roles.MalformedRole as exc:
                errors.append(ReadError(str(doc.get("id") or where), f"malformed {exc}"))
            continue
        if perimeter.kind(doc):
            perimeter.read(doc, into.perimeters)
            continue
        if powershell.is_powershell_vault(doc):
            try:
                arm = powershell.to_arm(doc)
            except ValueError as exc:
                errors.append(ReadError(str(doc.get("ResourceId") or where), f"malformed: {exc}"))
                continue
            vault = read_vault(arm, errors, tenant, endpoints_known=False)
        elif isinstance(doc, dict) and doc.get("type") and not is_vault_document(doc):
            errors.append(
                ReadError(str(doc.get("id") or where), f"not a Key Vault (type {doc.get('type')})")
            )
            continue
        else:
            vault = read_vault(doc, errors, tenant)
        if vault:
            into.vaults.append(vault)


def _read_plan(plan: dict, path: str, into: Inputs, errors: list[ReadError]) -> None:
    """A plan (or ``.tf`` source in a plan's shape): its vaults, perimeters, role assignments
    and deployment facts."""
    found = terraform.plan_vaults(plan, path, errors, into.perimeters)
    into.vaults += found
    for vault_id, planned in terraform.plan_role_assignments(plan).items():
        into.planned_assignments.setdefault(vault_id, []).extend(planned)
    into.deployments.append(deploy.from_plan(plan, path, found))


def _read_terraform(path: str, into: Inputs, errors: list[ReadError]) -> None:
    """The Terraform module (every ``.tf`` file of the folder) that holds ``path``, or the
    folder ``path`` itself, once."""
    given = Path(path)
    where = given if given.is_dir() else given.parent
    folder = str(where.resolve())
    if folder in into.modules:
        return
    into.modules.add(folder)
    if given.is_dir() and not any(p.is_file() for p in given.glob("*.tf")):
        raise KvlintError(f"{path}: a folder without .tf files (give exported JSON as files)")
    if not given.is_dir() and not given.is_file():
        raise KvlintError(f"cannot read {path}: no such file")
    problems: list[tuple[str, str]] = []
    plan = hcl.module_plan(str(where / "main.tf"), problems)
    errors += [ReadError(where, message) for where, message in problems]
    _read_plan(plan, path, into, errors)


def load_parameters(path: str) -> dict[str, Any]:
    """An ARM parameters file (``azuredeploy.parameters.json``): ``{name: {"value": ...}}``;
    a Key Vault reference stays unknown. A ``.bicepparam`` file is compiled first."""
    if path.endswith(".bicepparam"):
        raise KvlintError(
            f"{path}: compile it first: az bicep build-params --file {path} --outfile "
            "params.json (then --parameters params.json)"
        )
    data = load_json(path)
    values = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(values, dict) or "resources" in data:
        raise KvlintError(
            f'{path}: not an ARM parameters file (expected {{"parameters": {{NAME: '
            '{"value": ...}}}})'
        )
    return values


def file_vaults(
    path: str, *, tenant: str | None, errors: list[ReadError], stdin: Any = None
) -> list[Vault]:
    """Only the vaults of one exported file (for faces that need no role data)."""
    found = Inputs()
    read(path, found, tenant=tenant, errors=errors, stdin=stdin)
    return found.vaults
