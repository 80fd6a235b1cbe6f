"""ARM templates and compiled Bicep (``az bicep build --stdout main.bicep``): the vaults and
Managed HSMs they would deploy, before they are deployed.

Read: ``resources`` (an array, or Bicep's symbolic-name object with ``languageVersion`` 2.0),
nested child resources and top-level ones (``Microsoft.KeyVault/vaults/accessPolicies``,
``…/privateEndpointConnections``), ``Microsoft.Network/privateEndpoints`` that connect to a vault
of the template (their approval is not known before deployment), nested deployments
(``Microsoft.Resources/deployments`` with an inline template), parameter defaults and variables
(:mod:`kvlint.audit.arm_expr`). ``existing`` resources are not deployed and are skipped;
a ``condition`` known to be false drops the resource. Unresolved values are unknown.
"""

from __future__ import annotations

from typing import Any

from kvlint.audit.arm_expr import Evaluator
from kvlint.audit.iac import UNKNOWN, to_vault
from kvlint.audit.model import ReadError, Vault

VAULTS = "microsoft.keyvault/vaults"
HSMS = "microsoft.keyvault/managedhsms"
POLICIES = "microsoft.keyvault/vaults/accesspolicies"
CONNECTIONS = "microsoft.keyvault/vaults/privateendpointconnections"
ENDPOINTS = "microsoft.network/privateendpoints"
DEPLOYMENTS = "microsoft.resources/deployments"


def is_template(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    schema = str(data.get("$schema", "")).lower()
    return "deploymenttemplate" in schema or (
        "resources" in data and ("contentVersion" in data or "languageVersion" in data)
    )


def resources_of(template: dict) -> list[dict]:
    found = template.get("resources") or []
    if isinstance(found, dict):  # languageVersion 2.0: symbolic names
        found = list(found.values())
    return [r for r in found if isinstance(r, dict)]


class _Reader:
    def __init__(self, path: str, errors: list[ReadError]) -> None:
        self.path = path
        self.errors = errors
        self.docs: dict[str, dict] = {}  # vault key -> REST-shaped document
        self.lines: dict[str, int] = {}
        self.pending: list[tuple[str, Any, int, Any]] = []  # (kind, target, line, payload)

    def walk(self, template: dict, outer: Evaluator | None = None, values: Any = None) -> None:
        parameters = dict(template.get("parameters") or {})
        if values is not None:  # an inner-scoped nested deployment: its parameter values
            for name, given in (values or {}).items():
                value = given.get("value", UNKNOWN) if isinstance(given, dict) else UNKNOWN
                parameters[name] = {"defaultValue": value}
        context = outer or Evaluator(parameters, dict(template.get("variables") or {}))
        if outer is None and values is not None:
            context = Evaluator(parameters, dict(template.get("variables") or {}))
        for resource in resources_of(template):
            self.resource(resource, context, parent=None)

    def resource(self, raw: dict, context: Evaluator, parent: tuple[str, str] | None) -> None:
        if raw.get("existing") is True:
            return
        line = getattr(raw, "line", 0)
        condition = context.value(raw.get("condition", True))
        if condition is False:
            return
        kind = str(context.value(raw.get("type")) or "").lower()
        name = context.value(raw.get("name"))
        if parent:  # a nested child: its type and name may be relative to the parent's
            if not kind.startswith("microsoft."):
                kind = f"{parent[0]}/{kind}"
            if isinstance(name, str) and "/" not in name:
                name = f"{parent[1]}/{name}"
        if kind == DEPLOYMENTS:
            props = raw.get("properties") or {}
            inner = props.get("template")
            if isinstance(inner, dict):
                scope = str((props.get("expressionEvaluationOptions") or {}).get("scope", ""))
                if scope.lower() == "inner":
                    self.walk(inner, None, context.value(props.get("parameters") or {}))
                else:
                    self.walk(inner, context)
            return
        if kind in (VAULTS, HSMS):
            key = name.lower() if isinstance(name, str) else f"(unresolved name, line {line})"
            doc = context.value({k: v for k, v in raw.items() if k != "resources"})
            doc["type"] = (
                "Microsoft.KeyVault/vaults"
                if kind == VAULTS
                else ("Microsoft.KeyVault/managedHSMs")
            )
            doc["name"] = name if isinstance(name, str) else str(raw.get("name"))
            doc["id"] = f"{doc['type']}/{doc['name']}"
            props = doc.get("properties")
            if isinstance(props, dict) and "enableSoftDelete" not in props:
                props["enableSoftDelete"] = True  # on by default and no longer optional
            self.docs[key] = doc
            self.lines[key] = line
            for child in raw.get("resources") or []:
                if isinstance(child, dict):
                    self.resource(child, context, (kind, doc["name"]))
            return
        if kind in (POLICIES, CONNECTIONS):
            owner = name.split("/", 1)[0].lower() if isinstance(name, str) else UNKNOWN
            props = context.value(raw.get("properties") or {})
            if isinstance(props, dict) and isinstance(name, str):
                props = {**props, "_name": name}
            self.pending.append((kind, owner, line, props))
            return
        if kind == ENDPOINTS:
            props = context.value(raw.get("properties") or {})
            for key, status in (
                ("privateLinkServiceConnections", None),  # approved if the deployer may
                ("manualPrivateLinkServiceConnections", "Pending"),
            ):
                for link in (props.get(key) if isinstance(props, dict) else None) or []:
                    target = (link.get("properties") or {}).get("privateLinkServiceId")
                    self.pending.append(
                        ("endpoint", target, line, {"status": status, "name": name})
                    )

    def attach(self) -> None:
        for kind, owner, line, payload in self.pending:
            if kind == "endpoint":
                if owner is UNKNOWN:
                    targets = list(self.docs)  # it may be any of them
                elif isinstance(owner, str) and owner.startswith(f"resourceid:{VAULTS}/"):
                    targets = [owner.rsplit("/", 1)[-1]]
                else:
                    continue
                for key in targets:
                    if key in self.docs:
                        self._endpoint(self.docs[key], payload)
                continue
            targets = list(self.docs) if owner is UNKNOWN else [owner]
            for key in targets:
                doc = self.docs.get(key)
                if doc is None:
                    continue
                props = doc.setdefault("properties", {})
                if owner is UNKNOWN:
                    props[
                        "accessPolicies" if kind == POLICIES else "privateEndpointConnections"
                    ] = UNKNOWN
                elif kind == POLICIES:
                    added = payload.get("accessPolicies") if isinstance(payload, dict) else UNKNOWN
                    current = props.get("accessPolicies") or []
                    props["accessPolicies"] = (
                        UNKNOWN
                        if added is UNKNOWN or current is UNKNOWN or not isinstance(added, list)
                        else [*current, *added]
                    )
                else:
                    label = payload.pop("_name", None) if isinstance(payload, dict) else None
                    self._append(props, {"id": label or f"(line {line})", "properties": payload})

    def _endpoint(self, doc: dict, payload: dict) -> None:
        state = {"status": payload["status"]} if payload["status"] else {}
        props = doc.setdefault("properties", {})
        self._append(
            props,
            {
                "id": f"{payload['name']}" if isinstance(payload["name"], str) else "(endpoint)",
                "properties": {"privateLinkServiceConnectionState": state},
            },
        )

    @staticmethod
    def _append(props: dict, connection: dict) -> None:
        current = props.get("privateEndpointConnections") or []
        if current is UNKNOWN:
            return
        props["privateEndpointConnections"] = [*current, connection]


def template_vaults(
    template: dict, path: str, errors: list[ReadError], parameters: dict | None = None
) -> list[Vault]:
    """The template's vaults; ``parameters`` (a parameters file's ``{name: {"value": ...}}``)
    replace the defaults of the parameters they name."""
    reader = _Reader(path, errors)
    if parameters:
        reader.walk(template, None, with_defaults(template, parameters))
    else:
        reader.walk(template)
    reader.attach()
    vaults = []
    for key, doc in reader.docs.items():
        vault = to_vault(doc, file=path, line=reader.lines[key], errors=errors, scope=doc["name"])
        if vault:
            vaults.append(vault)
    return vaults


def with_defaults(template: dict, given: dict) -> dict:
    """The given values, plus the template's defaults for the parameters not given."""
    values: dict[str, Any] = {}
    for name, spec in (template.get("parameters") or {}).items():
        if isinstance(spec, dict) and "defaultValue" in spec:
            values[name] = {"value": spec["defaultValue"]}
    lowered = {k.lower(): k for k in values}
    for name, value in given.items():
        values.pop(lowered.get(name.lower(), name), None)
        values[name] = value
    return values
