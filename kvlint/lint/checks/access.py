"""KV2xx: why Key Vault answers 403 Forbidden, as written in management / IaC code.

Three spellings of the same vault settings are recognised:

* ``azure.mgmt.keyvault.models`` classes (any API-version package, any import spelling),
* Pulumi ``pulumi_azure_native.keyvault`` ``*Args`` classes and enums (same field names),
* ARM-shaped dict literals (``{"networkAcls": {"defaultAction": "Allow"}}``), in camelCase or
  Pulumi's snake_case dict inputs, when the dict is recognisably a Key Vault's (see
  :func:`_vault_dict`): ``networkAcls`` alone also appears in Storage accounts and others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from kvlint.lint import types as kvtypes
from kvlint.lint.analysis import Analysis, arg
from kvlint.lint.checks import Check
from kvlint.lint.facts import derives_from, http_calls, is_keyvault_url
from kvlint.lint.model import Report

# azure.mgmt.keyvault[.v2023_07_01].models[._models_py3].X,
# pulumi_azure_native.keyvault[.v20230701][.inputs|._enums].X
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


def _constructs(analysis: Analysis, call: cst.Call, *names: str) -> bool:
    found = model_name(analysis, call.func)
    return found is not None and found[1] is None and found[0] in names


def _key(analysis: Analysis, element: cst.BaseDictElement) -> str | None:
    """A dict element's key, normalised: ``defaultAction`` / ``default_action`` → defaultaction."""
    if not isinstance(element, cst.DictElement):
        return None
    key = analysis.fold_str(element.key)
    return key.replace("_", "").lower() if key else None


def _entries(analysis: Analysis, node: cst.Dict) -> dict[str, cst.BaseExpression]:
    return {
        key: element.value
        for element in node.elements
        if isinstance(element, cst.DictElement) and (key := _key(analysis, element))
    }


def _resolve(analysis: Analysis, expr: cst.BaseExpression) -> cst.BaseExpression:
    """A local name's (single, latest) assigned value, else the expression itself."""
    if isinstance(expr, cst.Name):
        values = analysis.assigned_values(expr)
        if values:
            return values[-1]
    return expr


# -- is this dict a Key Vault's? -----------------------------------------------------------
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


def _is_vaults_call(call: cst.Call, methods: tuple[str, ...]) -> bool:
    """``<client>.vaults.<method>(...)`` (or ``managed_hsms``)."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in methods
        and isinstance(func.value, cst.Attribute)
        and func.value.attr.value in ("vaults", "managed_hsms")
    )


def _vault_dict(analysis: Analysis, node: cst.Dict) -> bool:
    """True when a dict literal is (part of) a Key Vault definition."""
    key = ("vault_dict", node)
    cached = analysis.memo.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    result = False
    outermost: cst.CSTNode = node
    for ancestor in (node, *analysis.ancestors(node)):
        if isinstance(ancestor, cst.Dict):
            outermost = ancestor
            entries = _entries(analysis, ancestor)
            if VAULT_ONLY_KEYS & entries.keys():
                result = True
                break
            kind = analysis.fold_str(entries["type"]) if "type" in entries else None
            if kind and kind.lower().startswith("microsoft.keyvault/"):
                result = True
                break
        elif isinstance(ancestor, cst.Call):
            if _constructs(analysis, ancestor, *VAULT_MODELS) or _is_vaults_call(
                ancestor, VAULT_WRITE_METHODS
            ):
                result = True
            break
        elif not isinstance(ancestor, (cst.DictElement, cst.List, cst.Tuple, cst.Element, cst.Arg)):
            break
    if not result:
        # params = {...}; client.vaults.begin_create_or_update(rg, name, params)
        result = any(
            _is_vaults_call(call, VAULT_WRITE_METHODS)
            and any(
                derives_from(analysis, a.value, lambda n, o=outermost: n is o) for a in call.args
            )
            for call in analysis.index.calls
        )
    analysis.memo[key] = result
    return result


def _access_policy_dict(analysis: Analysis, node: cst.Dict) -> bool:
    """An access policy entry: ``objectId`` and ``permissions`` (ARM or snake_case)."""
    entries = _entries(analysis, node)
    return "objectid" in entries and "permissions" in entries


# -- the settings, whichever spelling ------------------------------------------------------
def _fields(analysis: Analysis, *models: str) -> Iterator[tuple[str, cst.BaseExpression]]:
    """(normalised field name, value) of every model constructor call in ``models``.

    ``models`` are class names; their dict spelling is recognised by the caller.
    """
    for call in analysis.index.calls:
        if _constructs(analysis, call, *models):
            for argument in call.args:
                if argument.keyword is not None:
                    yield argument.keyword.value.replace("_", "").lower(), argument.value


def _is_allow(analysis: Analysis, expr: cst.BaseExpression) -> bool:
    found = model_name(analysis, expr)
    if found is not None and found[1] is not None:
        return found[0] == "NetworkRuleAction" and found[1].lower() == "allow"
    text = analysis.fold_str(expr)
    return text is not None and text.strip().lower() == "allow"


OPEN_ADDRESSES = ("0.0.0.0/0", "0.0.0.0", "*")


class FirewallOpen(Check):
    codes = ("KV201",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        # Model / Args constructors.
        for call in analysis.index.calls:
            if _constructs(analysis, call, "NetworkRuleSet", "MHSMNetworkRuleSet"):
                action = arg(call, "default_action")
                if action is not None and _is_allow(analysis, action.value):
                    yield self._allow(action.value)
            elif _constructs(analysis, call, "IPRule", "MHSMIPRule"):
                value = arg(call, "value", 0)
                if value is not None:
                    yield from self._ip(analysis, value.value)
        # ARM / Pulumi dicts.
        for node in analysis.index.dicts:
            entries = _entries(analysis, node)
            acls = entries.get("networkacls")
            if acls is None or not _vault_dict(analysis, node):
                continue
            acls = _resolve(analysis, acls)
            if not isinstance(acls, cst.Dict):
                continue
            inner = _entries(analysis, acls)
            if "defaultaction" in inner and _is_allow(analysis, inner["defaultaction"]):
                yield self._allow(inner["defaultaction"])
            rules = _resolve(analysis, inner["iprules"]) if "iprules" in inner else None
            if isinstance(rules, (cst.List, cst.Tuple)):
                for element in rules.elements:
                    rule = _resolve(analysis, element.value)
                    if isinstance(rule, cst.Dict):
                        value = _entries(analysis, rule).get("value")
                        if value is not None:
                            yield from self._ip(analysis, value)

    @staticmethod
    def _allow(node: cst.BaseExpression) -> Report:
        return Report(
            "KV201",
            node,
            (
                "Key Vault firewall default action 'Allow': the vault accepts requests from any "
                "address, and its IP / VNet rules have no effect. Set default_action='Deny' and "
                "admit callers with ip_rules, virtual_network_rules or a private endpoint "
                "(bypass='AzureServices' keeps trusted Azure services working)."
            ),
        )

    @staticmethod
    def _ip(analysis: Analysis, node: cst.BaseExpression) -> Iterator[Report]:
        text = analysis.fold_str(node)
        if text is not None and text.strip() in OPEN_ADDRESSES:
            yield Report(
                "KV201",
                node,
                (
                    f"Key Vault IP rule '{text.strip()}' admits every address: the firewall is "
                    f"effectively off. List the callers' public addresses or ranges instead."
                ),
            )


class CompoundIdentityPolicy(Check):
    codes = ("KV202",)
    MESSAGE = (
        "access policy with an application id is a compound identity: it grants access only to "
        "that application acting on behalf of the user/principal, so the principal calling on "
        "its own gets 403 Forbidden. Drop application_id and grant the object id directly."
    )

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for call in analysis.index.calls:
            if _constructs(analysis, call, "AccessPolicyEntry"):
                application = arg(call, "application_id")
                if application is not None and self._set(application.value):
                    yield Report("KV202", application.value, self.MESSAGE)
        for node in analysis.index.dicts:
            if not _access_policy_dict(analysis, node):
                continue
            application = _entries(analysis, node).get("applicationid")
            if application is not None and self._set(application):
                yield Report("KV202", application, self.MESSAGE)

    @staticmethod
    def _set(value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Name) and value.value == "None":
            return False
        return not (isinstance(value, cst.SimpleString) and value.evaluated_value == "")


PERMISSION_KINDS = ("keys", "secrets", "certificates", "storage")
PERMISSION_ENUMS = (
    "KeyPermissions",
    "SecretPermissions",
    "CertificatePermissions",
    "StoragePermissions",
)
OVERBROAD = ("all", "purge")


class OverbroadAccessPolicy(Check):
    codes = ("KV203",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        for field, value in _fields(analysis, "Permissions"):
            if field in PERMISSION_KINDS:
                yield from self._check(analysis, field, value)
        for node in analysis.index.dicts:
            if not _access_policy_dict(analysis, node):
                continue
            permissions = _resolve(analysis, _entries(analysis, node)["permissions"])
            if isinstance(permissions, cst.Dict):
                for field, value in _entries(analysis, permissions).items():
                    if field in PERMISSION_KINDS:
                        yield from self._check(analysis, field, value)

    def _check(self, analysis: Analysis, field: str, value: cst.BaseExpression) -> Iterator[Report]:
        bad = sorted({name for name in _permissions(analysis, value) if name in OVERBROAD})
        if not bad:
            return
        granted = " and ".join(f"'{name}'" for name in bad)
        yield Report(
            "KV203",
            value,
            (
                f"access policy grants {granted} on {field}: 'all' includes purge (permanent "
                f"deletion) and every future permission; 'purge' destroys soft-deleted items for "
                f"good. Grant the operations the caller needs (e.g. get, list) and keep purge "
                f"with a break-glass identity."
            ),
        )


def _permissions(analysis: Analysis, value: cst.BaseExpression) -> list[str]:
    """The lower-cased permission names a permissions list grants ("all" for a whole enum)."""
    value = _resolve(analysis, value)
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        items = [element.value for element in value.elements]
    else:
        items = [value]
    names = []
    for item in items:
        item = _resolve(analysis, item)
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


# -- KV204 ---------------------------------------------------------------------------------
RETRY_DECORATORS = ("retry", "on_exception", "retry_call", "on_predicate")


def _grant(analysis: Analysis, call: cst.Call) -> str | None:
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
            return _key(analysis, node) == "accesspolicies"
        if isinstance(node, cst.Call):
            return _constructs(analysis, node, "AccessPolicyEntry")
        return False

    return predicate


class NoRetryAfterPolicyChange(Check):
    codes = ("KV204",)

    def run(self, analysis: Analysis) -> Iterator[Report]:
        grants: dict[cst.FunctionDef, list[tuple[cst.Call, str]]] = {}
        for call in analysis.index.calls:
            what = _grant(analysis, call)
            function = analysis.enclosing_function(call) if what else None
            if function is not None:
                grants.setdefault(function, []).append((call, what))  # type: ignore[arg-type]
        if not grants:
            return
        for read in self._reads(analysis):
            function = analysis.enclosing_function(read)
            if function not in grants:
                continue
            before = [
                what
                for call, what in grants[function]
                if analysis.order[call] < analysis.order[read]
            ]
            if not before or self._retried(analysis, read, function):
                continue
            yield Report(
                "KV204",
                read,
                (
                    f"Key Vault read right after {before[0]} in the same function: access changes "
                    f"take effect after a delay (minutes for access policies, up to ~10 minutes "
                    f"for role assignments), so this read can get 403 Forbidden. Retry on 403 "
                    f"with backoff (e.g. tenacity) for a few minutes, or read later."
                ),
            )

    @staticmethod
    def _reads(analysis: Analysis) -> Iterator[cst.Call]:
        for call in analysis.index.calls:
            method = analysis.method_name(call)
            receiver = analysis.receiver(call)
            if (
                method is not None
                and receiver is not None
                and method.startswith(kvtypes.KV_READ_PREFIXES)
                and analysis.is_a(receiver, "kv-client")
            ):
                yield call
        for http in http_calls(analysis):
            text = http.url_text(analysis)
            if http.method == "get" and text and is_keyvault_url(analysis, text):
                yield http.call

    @staticmethod
    def _retried(analysis: Analysis, read: cst.Call, function: cst.FunctionDef) -> bool:
        names = analysis.decorator_names(function)
        if any(name.rsplit(".", 1)[-1] in RETRY_DECORATORS for name in names):
            return True
        # a hand-written retry: the read inside a loop, guarded by try/except
        loops = analysis.loops_around(read)
        if not loops:
            return False
        for ancestor in analysis.ancestors(read):
            if ancestor is loops[-1]:
                break
            if isinstance(ancestor, cst.Try) and ancestor.handlers:
                return True
        return False


CHECKS = [FirewallOpen, CompoundIdentityPolicy, OverbroadAccessPolicy, NoRetryAfterPolicyChange]
