"""ARM templates and compiled Bicep: what their deployment does to their own vaults.

- deployment scripts (``Microsoft.Resources/deploymentScripts``) whose script writes into a vault
  of the template (:func:`arm_writes`): Azure runs them in a container instance, from an Azure
  address, as the script's own identity;
- access policies and role assignments naming an application's client id (:func:`arm_grants`).

``Microsoft.KeyVault/vaults/secrets`` and ``…/keys`` are not writes from the deployment's side:
Resource Manager creates them through the Key Vault resource provider (control plane).
"""

from __future__ import annotations

import re
from typing import Any

from kvlint.audit.arm_expr import Evaluator
from kvlint.audit.arm_template import resources_of, with_defaults
from kvlint.audit.deploy import Grant, Write
from kvlint.audit.iac import UNKNOWN
from kvlint.audit.model import Vault
from kvlint.audit.roles import RoleAssignment

ARM_WRONG_ID = re.compile(
    r"\b(reference|listkeys)\s*\((?P<what>[^\]]*?)\)(\.properties)?\.(?P<attr>appId|clientId)\b",
    re.IGNORECASE,
)


# -- ARM templates and compiled Bicep ---------------------------------------------------------

SCRIPT_TYPE = "microsoft.resources/deploymentscripts"
ROLE_TYPE = "microsoft.authorization/roleassignments"
IDENTITY_TYPE = "microsoft.managedidentity/userassignedidentities"
RETRY = re.compile(r"\b(sleep|Start-Sleep|retry|until|while)\b", re.I)
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
RESOURCE_ID = re.compile(r"resourceId\((?:[^()]|\([^()]*\))*\)", re.I)
SYMBOLIC = re.compile(r"reference\(\s*'([\w-]+)'\s*(?:,[^)]*)?\)", re.I)
# Key Vault data-plane writes in an Azure CLI or Azure PowerShell deployment script
SCRIPT_WRITES: tuple[tuple[re.Pattern[str], tuple[tuple[str, str], ...]], ...] = (
    (
        re.compile(r"\baz\s+keyvault\s+secret\s+(set|restore)\b|\bSet-AzKeyVaultSecret\b", re.I),
        (("secrets", "set"),),
    ),
    (
        re.compile(r"\baz\s+keyvault\s+key\s+(create|import)\b|\bAdd-AzKeyVaultKey\b", re.I),
        (("keys", "create"),),
    ),
    (
        re.compile(
            r"\baz\s+keyvault\s+certificate\s+(create|import)\b"
            r"|\b(Add|Import)-AzKeyVaultCertificate\b",
            re.I,
        ),
        (("certificates", "create"),),
    ),
)


def _context(template: dict, parameters: Any) -> Evaluator:
    params = dict(template.get("parameters") or {})
    if parameters:
        for name, given in with_defaults(template, parameters).items():
            value = given.get("value", UNKNOWN) if isinstance(given, dict) else UNKNOWN
            params[name] = {"defaultValue": value}
    return Evaluator(params, dict(template.get("variables") or {}))


def _identity_key(expression: Any, context: Evaluator, template: dict) -> str | None:
    """``resourceid:microsoft.managedidentity/userassignedidentities/NAME`` for an expression
    naming a user-assigned identity (``resourceId(...)``, or a Bicep symbolic ``reference``)."""
    if not isinstance(expression, str):
        return None
    for match in RESOURCE_ID.finditer(expression):
        key = context.expression(match.group(0))
        if isinstance(key, str) and key.startswith(f"resourceid:{IDENTITY_TYPE}/"):
            return key
    symbols = template.get("resources")
    for match in SYMBOLIC.finditer(expression):
        declared = symbols.get(match.group(1)) if isinstance(symbols, dict) else None
        if isinstance(declared, dict) and str(declared.get("type", "")).lower() == IDENTITY_TYPE:
            name = context.value(declared.get("name"))
            if isinstance(name, str):
                return f"resourceid:{IDENTITY_TYPE}/{name.lower()}"
    return None


def arm_role_grants(
    template: dict, path: str, vaults: dict[str, Vault], parameters: Any
) -> list[Grant]:
    """Role assignments on a vault of the template for a user-assigned identity of it."""
    context = _context(template, parameters)
    names = {v.name.lower(): v.id for v in vaults.values() if v.name}
    found: list[Grant] = []
    for raw in resources_of(template):
        if str(context.value(raw.get("type")) or "").lower() != ROLE_TYPE:
            continue
        scope = context.value(raw.get("scope"))
        vault = None
        if isinstance(scope, str) and "vaults/" in scope.lower():
            vault = names.get(scope.lower().rstrip("/").rsplit("vaults/", 1)[1])
        declared = raw.get("properties")
        props: dict = declared if isinstance(declared, dict) else {}
        identity = _identity_key(props.get("principalId"), context, template)
        role = GUID.findall(str(props.get("roleDefinitionId") or ""))
        if vault is None or identity is None or not role:
            continue
        found.append(
            Grant(
                str(context.value(raw.get("name")) or "(role assignment)"),
                "role",
                vault,
                identity,
                False,
                None,
                path,
                getattr(raw, "line", 0) or 1,
                assignment=RoleAssignment(vault, role[-1].lower(), identity),
            )
        )
    return found


def arm_writes(template: dict, path: str, vaults: dict[str, Vault], parameters: Any) -> list[Write]:
    """Deployment scripts (``Microsoft.Resources/deploymentScripts``) that write into a vault
    of the template: a Key Vault data-plane command in the script, and the vault's name in the
    script, its arguments or its environment variables. The script runs in a container instance
    Azure creates, from an Azure address nobody can list in advance, unless
    ``containerSettings.subnetIds`` runs it in the customer's virtual network."""
    context = _context(template, parameters)
    names = {v.name.lower(): v.id for v in vaults.values() if v.name}
    found: list[Write] = []
    for raw in resources_of(template):
        if str(context.value(raw.get("type")) or "").lower() != SCRIPT_TYPE:
            continue
        props = context.value(raw.get("properties") or {})
        if not isinstance(props, dict):
            continue
        script = props.get("scriptContent")
        if not isinstance(script, str):
            continue  # primaryScriptUri or an unresolved script: what it runs is not known
        permissions = tuple(
            p for pattern, perms in SCRIPT_WRITES if pattern.search(script) for p in perms
        )
        if not permissions:
            continue
        text = " ".join(
            str(v)
            for v in [
                script,
                props.get("arguments"),
                *[
                    e.get("value") or e.get("secureValue")
                    for e in props.get("environmentVariables") or []
                    if isinstance(e, dict)
                ],
            ]
            if isinstance(v, str)
        ).lower()
        targets = [
            vault
            for name, vault in names.items()
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)
        ]
        settings = props.get("containerSettings")
        subnets = settings.get("subnetIds") if isinstance(settings, dict) else None
        name = context.value(raw.get("name"))
        assigned = (raw.get("identity") or {}).get("userAssignedIdentities")
        identities = [
            key
            for key in (
                _identity_key(k, context, template) for k in (assigned or {}) if isinstance(k, str)
            )
            if key
        ]
        for vault in targets:
            found.append(
                Write(
                    str(name) if isinstance(name, str) else "(deployment script)",
                    "Microsoft.Resources/deploymentScripts",
                    vault,
                    permissions,
                    path,
                    getattr(raw, "line", 0) or 1,
                    origin="script",
                    private_network=bool(subnets),
                    identity=identities[0] if len(identities) == 1 else None,
                    retries=bool(RETRY.search(script)),
                )
            )
    return found


def arm_grants(template: dict, path: str) -> list[Grant]:
    """Access policies and role assignments of a template whose principal is an application's
    client id (``reference(...).appId`` / ``.clientId``): a grant for nobody."""
    found: list[Grant] = []

    def check(value: Any, what: str, owner: dict, kind: str) -> None:
        if not isinstance(value, str):
            return
        match = ARM_WRONG_ID.search(value)
        if match:
            attr = match.group("attr")
            wrong = (
                "an application's client id (appId)"
                if attr.lower() == "appid"
                else "a managed identity's or application's client id"
            )
            found.append(
                Grant(
                    str(owner.get("name") or "(resource)"),
                    kind,
                    None,
                    f"{what} {value}",
                    False,
                    wrong,
                    path,
                    getattr(owner, "line", 0) or 1,
                )
            )

    def walk(node: Any, parent: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, parent)
            return
        if not isinstance(node, dict):
            return
        kind = str(node.get("type") or "").lower()
        if kind and not kind.startswith("microsoft.") and parent:
            kind = f"{parent}/{kind}"
        raw = node.get("properties")
        props: dict = raw if isinstance(raw, dict) else {}
        if kind in ("microsoft.keyvault/vaults", "microsoft.keyvault/vaults/accesspolicies"):
            for policy in props.get("accessPolicies") or []:
                if isinstance(policy, dict):
                    check(policy.get("objectId"), "objectId", node, "policy")
        elif kind == "microsoft.authorization/roleassignments":
            check(props.get("principalId"), "principalId", node, "role")
        for key in ("resources",):
            walk(node.get(key), kind)
        template = props.get("template")
        if isinstance(template, dict):
            walk(template.get("resources"), "")
        if isinstance(node.get("resources"), dict):  # languageVersion 2.0
            walk(list(node["resources"].values()), kind)

    resources = template.get("resources")
    walk(list(resources.values()) if isinstance(resources, dict) else resources, "")
    return found
