"""Key Vault management-plane settings as written in code: ``azure.mgmt.keyvault`` models (any
API-version package), Pulumi ``pulumi_azure_native.keyvault`` ``*Args`` classes and enums, and
ARM-shaped dict literals (camelCase or Pulumi's snake_case) recognisably a Key Vault's
(``networkAcls`` alone also appears in Storage accounts and others); access grants."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from kvlint.lint.semantic.dataflow import derives_from
from kvlint.lint.semantic.memo import module_fact, node_fact
from kvlint.lint.semantic.model import Analysis
from kvlint.lint.semantic.syntax import arg
from kvlint.lint.semantic.values import SET, emptiness

_MODEL = re.compile(
    r"^(?:azure\.mgmt\.keyvault(?:\.v\d{4}_\d{2}_\d{2}(?:_preview)?)?\.models"
    r"|pulumi_azure_native\.keyvault(?:\.v\d{8}(?:preview)?)?)"
    r"(?:\.(?:_models_py3|_models|_enums|inputs|_inputs|outputs))?"
    r"\.(?P<name>[A-Za-z_]\w*)(?:\.(?P<member>\w+))?$"
)


def model_name(analysis: Analysis, expr: cst.BaseExpression) -> tuple[str, str | None] | None:
    """(class name without ``Args``, enum member) of a Key Vault management model reference."""
    qual = analysis.qualname(expr)
    if qual is None:
        return None
    match = _MODEL.match(qual)
    if match is None:
        return None
    name = match.group("name")
    return (name[:-4] if name.endswith("Args") else name), match.group("member")


def constructs(analysis: Analysis, call: cst.Call, *names: str) -> bool:
    found = model_name(analysis, call.func)
    return found is not None and found[1] is None and found[0] in names


def key_of(analysis: Analysis, element: cst.BaseDictElement) -> str | None:
    """A dict element's key, normalised: ``defaultAction`` / ``default_action`` → defaultaction."""
    if not isinstance(element, cst.DictElement):
        return None
    key = analysis.fold_str(element.key)
    return key.replace("_", "").lower() if key else None


def entries(analysis: Analysis, node: cst.Dict) -> dict[str, cst.BaseExpression]:
    return {
        key: element.value
        for element in node.elements
        if isinstance(element, cst.DictElement) and (key := key_of(analysis, element))
    }


def resolve(analysis: Analysis, expr: cst.BaseExpression) -> cst.BaseExpression:
    """A local name's (single, latest) assigned value, else the expression itself."""
    if isinstance(expr, cst.Name):
        values = analysis.assigned_values(expr)
        if values:
            return values[-1]
    return expr


VAULT_ONLY_KEYS = {
    "accesspolicies",
    "enablerbacauthorization",
    "enablesoftdelete",
    "enablepurgeprotection",
    "enabledfordeployment",
    "enabledfordiskencryption",
    "enabledfortemplatedeployment",
    "vaulturi",
    "softdeleteretentionindays",
}


VAULT_MODELS = (
    "Vault",
    "VaultProperties",
    "VaultPatchProperties",
    "VaultCreateOrUpdateParameters",
    "VaultPatchParameters",
    "NetworkRuleSet",
    "MHSMNetworkRuleSet",
    "ManagedHsm",
    "ManagedHsmProperties",
    "AccessPolicyEntry",
    "AccessPolicy",
    "VaultAccessPolicyProperties",
    "VaultAccessPolicyParameters",
)


VAULT_WRITE_METHODS = ("create_or_update", "begin_create_or_update", "update")


def is_vaults_call(call: cst.Call, methods: tuple[str, ...]) -> bool:
    """``<client>.vaults.<method>(...)`` (or ``managed_hsms``)."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in methods
        and isinstance(func.value, cst.Attribute)
        and func.value.attr.value in ("vaults", "managed_hsms")
    )


@node_fact
def is_vault_dict(analysis: Analysis, node: cst.Dict) -> bool:
    """True when a dict literal is (part of) a Key Vault definition."""
    result = False
    outermost: cst.CSTNode = node
    for ancestor in (node, *analysis.ancestors(node)):
        if isinstance(ancestor, cst.Dict):
            outermost = ancestor
            found = entries(analysis, ancestor)
            if VAULT_ONLY_KEYS & found.keys():
                result = True
                break
            kind = analysis.fold_str(found["type"]) if "type" in found else None
            if kind and kind.lower().startswith("microsoft.keyvault/"):
                result = True
                break
        elif isinstance(ancestor, cst.Call):
            if constructs(analysis, ancestor, *VAULT_MODELS) or is_vaults_call(
                ancestor, VAULT_WRITE_METHODS
            ):
                result = True
            break
        elif not isinstance(ancestor, (cst.DictElement, cst.List, cst.Tuple, cst.Element, cst.Arg)):
            break
    if not result:
        # params = {...}; client.vaults.begin_create_or_update(rg, name, params)
        result = any(
            is_vaults_call(call, VAULT_WRITE_METHODS)
            and any(derives_from(analysis, a.value, lambda n: n is outermost) for a in call.args)
            for call in analysis.index.calls
        )
    return result


def is_access_policy_dict(analysis: Analysis, node: cst.Dict) -> bool:
    """An access policy entry: ``objectId`` and ``permissions`` (ARM or snake_case)."""
    found = entries(analysis, node)
    return "objectid" in found and "permissions" in found


PERMISSION_KINDS = ("keys", "secrets", "certificates", "storage")


@module_fact
def permission_lists(analysis: Analysis) -> list[list[tuple[str, cst.BaseExpression]]]:
    """Every ``Permissions`` object of the module with its permission fields (normalised name,
    value), in source order: the constructor's keyword arguments and the fields assigned as
    attributes afterwards (``permissions = Permissions(); permissions.keys = [...]``,
    ``policy.permissions.secrets = [...]`` on an ``AccessPolicyEntry``)."""
    objects: dict[object, list[tuple[str, cst.BaseExpression]]] = {}
    for call in analysis.index.calls:
        if constructs(analysis, call, "Permissions"):
            objects[call] = [
                (argument.keyword.value.replace("_", "").lower(), argument.value)
                for argument in call.args
                if argument.keyword is not None
            ]
    for target, value, _ in analysis.index.assignments:
        if not isinstance(target, cst.Attribute):
            continue
        field = target.attr.value.replace("_", "").lower()
        if field not in PERMISSION_KINDS:
            continue
        owner = _permissions_object(analysis, target.value)
        if owner is not None:
            objects.setdefault(owner, []).append((field, value))
    return [
        sorted(fields, key=lambda item: analysis.order.get(item[1], 0))
        for fields in objects.values()
        if fields
    ]


@module_fact
def policy_application_ids(analysis: Analysis) -> list[cst.BaseExpression]:
    """The application ids set (not empty, not None) in access policies: ``AccessPolicyEntry(
    application_id=...)`` models, then ARM access policy dicts' ``applicationId``: each makes
    the policy a compound identity."""
    out = []
    for call in analysis.index.calls:
        if constructs(analysis, call, "AccessPolicyEntry"):
            application = arg(call, "application_id")
            if application is not None and emptiness(analysis, application.value) == SET:
                out.append(application.value)
    for node in analysis.index.dicts:
        if not is_access_policy_dict(analysis, node):
            continue
        value = entries(analysis, node).get("applicationid")
        if value is not None and emptiness(analysis, value) == SET:
            out.append(value)
    return out


OVERBROAD = ("all", "purge")  # permissions an access policy should not grant


@dataclass(frozen=True)
class OverbroadField:
    """A permission field of an access policy that grants ``all`` or ``purge``."""

    field: str  # keys, secrets, certificates, storage
    value: cst.BaseExpression
    granted: tuple[str, ...]  # the over-broad permissions it grants, sorted


@module_fact
def overbroad_grants(analysis: Analysis) -> list[list[OverbroadField]]:
    """For each permission list granting ``all`` or ``purge`` (a ``Permissions`` object, its
    fields given to the constructor or assigned as attributes, then an ARM access policy's
    ``permissions`` dict), its over-broad fields in order."""
    lists = list(permission_lists(analysis))
    for node in analysis.index.dicts:
        if not is_access_policy_dict(analysis, node):
            continue
        permissions = resolve(analysis, entries(analysis, node)["permissions"])
        if isinstance(permissions, cst.Dict):
            lists.append(list(entries(analysis, permissions).items()))
    out = []
    for fields in lists:
        found = [
            OverbroadField(field, value, tuple(bad))
            for field, value in fields
            if field in PERMISSION_KINDS
            and (bad := sorted({n for n in permissions_granted(analysis, value) if n in OVERBROAD}))
        ]
        if found:
            out.append(found)
    return out


def _model_instance(analysis: Analysis, expr: cst.BaseExpression, *names: str) -> cst.Call | None:
    """The constructor call of a Key Vault management model ``expr`` holds: the call itself,
    or the latest value of a local name; anything else (a parameter, ``self.x``) is unknown."""
    value = resolve(analysis, expr)
    if isinstance(value, cst.Call) and constructs(analysis, value, *names):
        return value
    return None


def _permissions_object(analysis: Analysis, expr: cst.BaseExpression) -> object | None:
    """What ``expr`` in ``expr.keys = ...`` is, as a key for one permission object: a
    ``Permissions(...)`` call, or ``(entry call, "permissions")`` for ``entry.permissions``
    of an ``AccessPolicyEntry`` built without one."""
    found = _model_instance(analysis, expr, "Permissions")
    if found is not None:
        return found
    if isinstance(expr, cst.Attribute) and expr.attr.value == "permissions":
        entry = _model_instance(analysis, expr.value, "AccessPolicyEntry")
        if entry is None:
            return None
        for argument in entry.args:
            if argument.keyword is not None and argument.keyword.value == "permissions":
                inner = _model_instance(analysis, argument.value, "Permissions")
                return inner if inner is not None else (entry, "permissions")
        return (entry, "permissions")
    return None


PERMISSION_ENUMS = (
    "KeyPermissions",
    "SecretPermissions",
    "CertificatePermissions",
    "StoragePermissions",
)


def permissions_granted(analysis: Analysis, value: cst.BaseExpression) -> list[str]:
    """The lower-cased permission names a permissions list grants ("all" for a whole enum)."""
    value = resolve(analysis, value)
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        items = [element.value for element in value.elements]
    else:
        items = [value]
    names = []
    for item in items:
        item = resolve(analysis, item)
        found = model_name(analysis, item)
        if found is not None and found[0] in PERMISSION_ENUMS:
            if found[1] is not None:
                names.append(found[1].lower())
            continue
        if _whole_enum(analysis, item):
            names.append("all")
            continue
        text = analysis.fold_str(item)
        if text is not None:
            names.append(text.strip().lower())
    return names


COMPREHENSIONS_OVER_ENUM = (cst.ListComp, cst.SetComp, cst.GeneratorExp)


def _whole_enum(analysis: Analysis, item: cst.BaseExpression) -> bool:
    """``list(SecretPermissions)`` or ``[p for p in SecretPermissions]``: every permission."""
    iterated = None
    if isinstance(item, cst.Call) and isinstance(item.func, cst.Name) and len(item.args) == 1:
        if item.func.value in ("list", "tuple", "set"):
            iterated = item.args[0].value
    elif isinstance(item, COMPREHENSIONS_OVER_ENUM):
        iterated = item.for_in.iter
    if iterated is None:
        return False
    found = model_name(analysis, iterated)
    return found is not None and found[0] in PERMISSION_ENUMS and found[1] is None


def access_grant(analysis: Analysis, call: cst.Call) -> str | None:
    """What access change a call makes, if it grants Key Vault access."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Attribute):
        return None
    group, method = func.value.attr.value, func.attr.value
    if group == "vaults" and method == "update_access_policy":
        return "vaults.update_access_policy"
    if group == "role_assignments" and method in ("create", "create_by_id"):
        return f"role_assignments.{method}"
    writes = ("create_or_update", "begin_create_or_update")
    mentions = _mentions_access_policies(analysis)
    if (
        group == "vaults"
        and method in writes
        and any(derives_from(analysis, a.value, mentions) for a in call.args)
    ):
        return f"vaults.{method} with access policies"
    return None


def _mentions_access_policies(analysis: Analysis):
    def predicate(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Arg) and node.keyword is not None:
            return node.keyword.value == "access_policies"
        if isinstance(node, cst.DictElement):
            return key_of(analysis, node) == "accesspolicies"
        if isinstance(node, cst.Call):
            return constructs(analysis, node, "AccessPolicyEntry")
        return False

    return predicate


OPEN_ADDRESSES = ("0.0.0.0/0", "0.0.0.0", "*")  # an IP rule admitting every address


@dataclass(frozen=True)
class OpenFirewall:
    """A vault firewall setting that admits every caller."""

    node: cst.BaseExpression  # the default action, or the IP rule's address
    address: str | None  # the IP rule's address as written (stripped); None: action 'Allow'


@module_fact
def open_firewalls(analysis: Analysis) -> list[OpenFirewall]:
    """Default action 'Allow' and IP rules for every address, in ``NetworkRuleSet`` /
    ``IPRule`` models (and their managed-HSM and Pulumi ``Args`` twins), then in a Key Vault's
    ARM / Pulumi dict (``networkAcls``: ``defaultAction``, ``ipRules[].value``)."""
    out: list[OpenFirewall] = []
    for call in analysis.index.calls:
        if constructs(analysis, call, "NetworkRuleSet", "MHSMNetworkRuleSet"):
            action = arg(call, "default_action")
            if action is not None and _is_allow(analysis, action.value):
                out.append(OpenFirewall(action.value, None))
        elif constructs(analysis, call, "IPRule", "MHSMIPRule"):
            value = arg(call, "value", 0)
            if value is not None:
                out += _open_address(analysis, value.value)
    for node in analysis.index.dicts:
        acls = entries(analysis, node).get("networkacls")
        if acls is None or not is_vault_dict(analysis, node):
            continue
        acls = resolve(analysis, acls)
        if not isinstance(acls, cst.Dict):
            continue
        inner = entries(analysis, acls)
        if "defaultaction" in inner and _is_allow(analysis, inner["defaultaction"]):
            out.append(OpenFirewall(inner["defaultaction"], None))
        rules = resolve(analysis, inner["iprules"]) if "iprules" in inner else None
        if isinstance(rules, (cst.List, cst.Tuple)):
            for element in rules.elements:
                rule = resolve(analysis, element.value)
                if isinstance(rule, cst.Dict):
                    address = entries(analysis, rule).get("value")
                    if address is not None:
                        out += _open_address(analysis, address)
    return out


def _is_allow(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    found = model_name(analysis, expr)
    if found is not None and found[1] is not None:
        return found[0] == "NetworkRuleAction" and found[1].lower() == "allow"
    text = analysis.fold_str(expr)
    return text is not None and text.strip().lower() == "allow"


def _open_address(analysis: Analysis, node: cst.BaseExpression) -> list[OpenFirewall]:
    text = analysis.fold_str(node)
    if text is not None and text.strip() in OPEN_ADDRESSES:
        return [OpenFirewall(node, text.strip())]
    return []
