"""What a deployment does to its own vaults: the facts the KVA7xx checks ask.

Infrastructure code is not only a description of vaults: running it writes into them. Read here
from a Terraform plan or ``.tf`` source (both in the plan's shape, :mod:`kvlint.audit.hcl`);
ARM templates and compiled Bicep in :mod:`kvlint.audit.deploy_arm`:

- :class:`Write`: a data-plane write the runner makes (``azurerm_key_vault_secret``, ``_key``,
  ``_certificate``, ``_certificate_contacts``, ``_certificate_issuer``,
  ``_managed_storage_account``) into a vault of the same plan, with the permissions it needs.
  ARM / Bicep ``Microsoft.KeyVault/vaults/secrets`` and ``…/keys`` and AzAPI ``azapi_resource``
  of those types are *not* writes from the runner: Resource Manager writes them through the
  Key Vault resource provider (control plane), so neither the vault firewall nor data-plane
  grants apply to them.
- :class:`Grant`: a role assignment or access policy, whom it names (the deploying identity,
  ``data.azurerm_client_config.*.object_id``; an application's client id or application object
  id instead of a principal's object id) and what it grants.
- waits (``time_sleep``; a ``null_resource`` / ``terraform_data`` running a ``local-exec`` that
  can retry) and the dependency graph (references and ``depends_on``), to tell whether a write
  waits for a grant to propagate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kvlint.audit.iac import UNKNOWN
from kvlint.audit.model import Vault
from kvlint.audit.roles import RoleAssignment
from kvlint.audit.terraform import merged_after, planned_role

# resource type -> (what it writes, the access-policy permissions its create and read need)
WRITES: dict[str, tuple[tuple[str, str], ...]] = {
    "azurerm_key_vault_secret": (("secrets", "set"), ("secrets", "get")),
    "azurerm_key_vault_key": (("keys", "create"), ("keys", "get")),
    "azurerm_key_vault_certificate": (("certificates", "create"), ("certificates", "get")),
    "azurerm_key_vault_certificate_contacts": (("certificates", "managecontacts"),),
    "azurerm_key_vault_certificate_issuer": (
        ("certificates", "setissuers"),
        ("certificates", "getissuers"),
    ),
    "azurerm_key_vault_managed_storage_account": (("storage", "set"), ("storage", "get")),
}
WAITS = ("time_sleep",)
SCRIPTS = ("null_resource", "terraform_data")
DEPLOYER = re.compile(r"^data\.(azurerm|azuread)_client_config\.[\w-]+\.object_id$")
# an id that names an application, not the principal a token carries (oid)
WRONG_ID = (
    (
        re.compile(
            r"^(data\.)?azuread_application\.[\w-]+(\[[^\]]*\])?\.(client_id|application_id)$"
        ),
        "the application's client id (appId)",
    ),
    (
        re.compile(r"^(data\.)?azuread_application\.[\w-]+(\[[^\]]*\])?\.object_id$"),
        "the application object's id (not its service principal's)",
    ),
    (
        re.compile(
            r"^(data\.)?azuread_service_principal\.[\w-]+(\[[^\]]*\])?\.(client_id|application_id)$"
        ),
        "the service principal's client id (appId)",
    ),
    (
        re.compile(r"^(data\.)?azurerm_user_assigned_identity\.[\w-]+(\[[^\]]*\])?\.client_id$"),
        "the managed identity's client id",
    ),
    (
        re.compile(r"^data\.(azurerm|azuread)_client_config\.[\w-]+\.client_id$"),
        "the deploying identity's client id (appId)",
    ),
)


def wrong_kind_of_id(grant: Grant) -> str:
    what = "role assignment's principal_id" if grant.kind == "role" else "access policy's object_id"
    return (
        f"the {what} in {grant.address} is {grant.principal}: {grant.wrong_id}, not the object "
        "id of a service principal, managed identity, user or group; Entra ID puts the "
        "principal's object id (oid) in its tokens, so the grant matches nobody and the "
        "application gets 403; use the service principal's object_id (azuread_service_principal"
        ".X.object_id) or the identity's principal_id"
    )


@dataclass(frozen=True)
class Write:
    address: str
    type: str
    vault: str  # the vault's address (its Vault.id)
    permissions: tuple[tuple[str, str], ...]
    file: str
    line: int
    conditional: bool = False  # count / for_each not known: it may not be created
    # "runner": the machine running terraform; "script": an ARM deploymentScripts container
    origin: str = "runner"
    private_network: bool = False  # a deployment script run in the customer's subnet(s)
    identity: str | None = None  # a deployment script's user-assigned identity (its key)
    retries: bool = False  # a deployment script that loops or sleeps (it may wait for a grant)


@dataclass(frozen=True)
class Grant:
    address: str
    kind: str  # "role" or "policy"
    vault: str | None  # the vault it grants on (its address), None when not one of the plan's
    principal: str  # the expression or value it names
    deployer: bool  # it names the deploying identity
    wrong_id: str | None  # what kind of wrong id it names, None when not known to be wrong
    file: str
    line: int
    assignment: RoleAssignment | None = None  # role grants
    permissions: frozenset[str] = frozenset()  # policy grants: "secrets/set", lower case


@dataclass
class Deployment:
    """The deployment of one plan, module or template."""

    source: str
    vaults: dict[str, Vault] = field(default_factory=dict)  # by address (Vault.id)
    writes: list[Write] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    waits: dict[str, str] = field(default_factory=dict)  # address -> what it is
    edges: dict[str, set[str]] = field(default_factory=dict)  # address -> what it depends on
    deployer_id: str | None = None  # the deploying identity's object id, when the plan has it
    # vaults handed to what kvlint does not read (a module call, an AzAPI resource): it may
    # grant access on them or connect private endpoints to them
    opaque: set[str] = field(default_factory=set)

    def upstream(self, address: str) -> set[str]:
        """Every address ``address`` waits for, directly or through others."""
        seen: set[str] = set()
        todo = [address]
        while todo:
            for dep in self.edges.get(todo.pop(), ()):
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen


# -- Terraform (plans and .tf source) ---------------------------------------------------------


def _strip_index(address: str) -> str:
    return re.sub(r"\[[^\]]*\]$", "", address)


def _config(plan: dict) -> dict[str, dict]:
    """address -> configuration resource (expressions, depends_on), modules prefixed."""
    found: dict[str, dict] = {}

    def walk(module: Any, prefix: str) -> None:
        if not isinstance(module, dict):
            return
        for resource in module.get("resources") or []:
            if isinstance(resource, dict):
                found[prefix + str(resource.get("address"))] = {**resource, "_prefix": prefix}
        for name, call in (module.get("module_calls") or {}).items():
            walk((call or {}).get("module"), f"{prefix}module.{name}.")

    walk((plan.get("configuration") or {}).get("root_module"), "")
    return found


def _refs(expression: Any, prefix: str) -> list[str]:
    if isinstance(expression, dict) and isinstance(expression.get("references"), list):
        return [prefix + str(r) for r in expression["references"]]
    return []


def _attribute_refs(resource: dict, path: str) -> list[str]:
    """The references of one attribute (``access_policy.object_id`` reaches into blocks)."""
    node: Any = resource.get("expressions") or {}
    prefix = resource.get("_prefix", "")
    found: list[str] = []
    parts = path.split(".")

    def walk(value: Any, at: int) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, at)
            return
        if not isinstance(value, dict):
            return
        if at == len(parts):
            found.extend(_refs(value, prefix))
            return
        walk(value.get(parts[at]), at + 1)

    walk(node, 0)
    return found


def _all_refs(node: Any, prefix: str, out: set[str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("references"), list):
            out.update(prefix + str(r) for r in node["references"])
        for key, value in node.items():
            if key != "references":
                _all_refs(value, prefix, out)
    elif isinstance(node, list):
        for item in node:
            _all_refs(item, prefix, out)


def _resource_of(ref: str, known: set[str]) -> str | None:
    """The resource address a reference names (``azurerm_key_vault.kv.id`` -> the vault)."""
    candidate = ref
    while candidate:
        if candidate in known:
            return candidate
        stripped = _strip_index(candidate)
        if stripped != candidate and stripped in known:
            return stripped
        if "." not in candidate:
            return None
        candidate = candidate.rsplit(".", 1)[0]
    return None


def _vault_of(refs: list[str], vaults: dict[str, Vault]) -> str | None:
    for ref in refs:
        found = _resource_of(ref, set(vaults))
        if found:
            return found
    return None


def bare(ref: str) -> str:
    """A reference without the ``module.NAME.`` prefixes of the module that holds it."""
    return re.sub(r"^(module\.[\w-]+(\[[^\]]*\])?\.)+", "", ref)


def _principal(refs: list[str], value: Any) -> tuple[str, bool, str | None]:
    """(what it names, names the deployer, the kind of wrong id) of a principal attribute."""
    for ref in refs:
        if DEPLOYER.match(bare(ref)):
            return ref, True, None
        for pattern, what in WRONG_ID:
            if pattern.match(bare(ref)):
                return ref, False, what
    if refs:
        return refs[0], False, None
    return (value if isinstance(value, str) else "(unknown)"), False, None


def _role(after: dict, vault: str | None, principal: str) -> RoleAssignment:
    role, name = planned_role(after)
    return RoleAssignment(
        scope=vault or "(another scope)",
        role_id=role,
        principal_id=principal.lower(),
        condition=after.get("condition") if isinstance(after.get("condition"), str) else None,
        role_name=name,
    )


def _policy_permissions(block: dict) -> frozenset[str]:
    found = set()
    for kind, attribute in (
        ("secrets", "secret_permissions"),
        ("keys", "key_permissions"),
        ("certificates", "certificate_permissions"),
        ("storage", "storage_permissions"),
    ):
        names = block.get(attribute)
        if names is UNKNOWN:
            found.add(f"{kind}/(unknown)")
            continue
        for name in names or []:
            found.add(f"{kind}/{str(name).lower()}" if isinstance(name, str) else f"{kind}/?")
    return frozenset(found)


def _deployer_id(plan: dict) -> str | None:
    """The object id of ``data.azurerm_client_config``, read during plan (prior_state)."""
    state = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    for resource in state.get("resources") or []:
        if isinstance(resource, dict) and resource.get("type") in (
            "azurerm_client_config",
            "azuread_client_config",
        ):
            value = (resource.get("values") or {}).get("object_id")
            if isinstance(value, str) and value:
                return value.lower()
    return None


def from_plan(plan: dict, path: str, vaults: list[Vault]) -> Deployment:
    """The deployment facts of a plan (or of ``.tf`` source in the plan's shape)."""
    found = Deployment(source=path, vaults={v.id: v for v in vaults})
    found.deployer_id = _deployer_id(plan)
    config = _config(plan)
    known = {_strip_index(a) for a in config} | set(config)
    for address, resource in config.items():
        named: set[str] = set()
        _all_refs(resource.get("expressions") or {}, resource.get("_prefix", ""), named)
        deps = {resource.get("_prefix", "") + str(d) for d in resource.get("depends_on") or []}
        found.edges[address] = {
            r for r in (_resource_of(ref, known) for ref in named | deps) if r and r != address
        }
    for change in plan.get("resource_changes") or []:
        if not isinstance(change, dict) or change.get("mode", "managed") != "managed":
            continue
        body = change.get("change") or {}
        if body.get("actions") in (["delete"], ["no-op"], ["read"]):
            continue
        after = merged_after(body)
        if not isinstance(after, dict):
            continue
        address = str(change.get("address"))
        kind = str(change.get("type"))
        base = _strip_index(address)
        resource = config.get(address) or config.get(base) or {}
        file = getattr(change, "file", path)
        line = getattr(change, "line", 0) or 1
        if base != address and address not in found.edges:
            found.edges[address] = found.edges.get(base, set())
        if kind in WAITS:
            found.waits[address] = "time_sleep"
        elif kind in SCRIPTS and "local-exec" in (change.get("kvlint_provisioners") or []):
            found.waits[address] = f"{kind} with a local-exec provisioner"
        elif kind in SCRIPTS and not change.get("kvlint_provisioners") and path.endswith(".json"):
            pass  # a plan does not show provisioners: an unknown script may wait, or not
        if kind in WRITES:
            vault = _vault_of(_attribute_refs(resource, "key_vault_id"), found.vaults)
            if vault:
                found.writes.append(
                    Write(
                        address,
                        kind,
                        vault,
                        WRITES[kind],
                        file,
                        line,
                        conditional=bool(change.get("kvlint_conditional")),
                    )
                )
        elif kind == "azurerm_role_assignment":
            refs = _attribute_refs(resource, "principal_id")
            principal, deployer, wrong = _principal(refs, after.get("principal_id"))
            vault = _vault_of(_attribute_refs(resource, "scope"), found.vaults)
            value = after.get("principal_id")
            who = value if isinstance(value, str) and not deployer else principal
            found.grants.append(
                Grant(
                    address,
                    "role",
                    vault,
                    principal,
                    deployer or (found.deployer_id is not None and who == found.deployer_id),
                    wrong,
                    file,
                    line,
                    assignment=_role(after, vault, who),
                )
            )
        elif kind == "azurerm_key_vault_access_policy":
            vault = _vault_of(_attribute_refs(resource, "key_vault_id"), found.vaults)
            refs = _attribute_refs(resource, "object_id")
            principal, deployer, wrong = _principal(refs, after.get("object_id"))
            found.grants.append(
                Grant(
                    address,
                    "policy",
                    vault,
                    principal,
                    deployer or _is_deployer_value(after.get("object_id"), found),
                    wrong,
                    file,
                    line,
                    permissions=_policy_permissions(after),
                )
            )
        elif kind == "azurerm_key_vault" and address in found.vaults:
            blocks = after.get("access_policy")
            if blocks is UNKNOWN:  # a dynamic block, a variable: whom it grants is not known
                found.grants.append(
                    Grant(
                        f"{address}.access_policy",
                        "policy",
                        address,
                        "(unknown)",
                        False,
                        None,
                        file,
                        line,
                    )
                )
            policies = blocks if isinstance(blocks, list) else []
            per_block = _block_refs(resource, "access_policy", "object_id", len(policies))
            for index, block in enumerate(policies):
                if not isinstance(block, dict):
                    continue
                refs = per_block[index] if per_block is not None else []
                principal, deployer, wrong = _principal(refs, block.get("object_id"))
                found.grants.append(
                    Grant(
                        f"{address}.access_policy",
                        "policy",
                        address,
                        principal,
                        deployer or _is_deployer_value(block.get("object_id"), found),
                        wrong,
                        file,
                        line,
                        permissions=_policy_permissions(block),
                    )
                )
    found.opaque = _opaque(plan, config, found.vaults)
    return found


OPAQUE_TYPES = ("azapi_resource", "azapi_update_resource")


def _opaque(plan: dict, config: dict[str, dict], vaults: dict[str, Vault]) -> set[str]:
    """The vaults a module call or an AzAPI resource is given (by reference)."""
    known = set(vaults)
    given: set[str] = set()

    def calls(module: Any, prefix: str) -> None:
        if not isinstance(module, dict):
            return
        for name, call in (module.get("module_calls") or {}).items():
            refs: set[str] = set()
            _all_refs((call or {}).get("expressions") or {}, prefix, refs)
            given.update(v for v in (_resource_of(r, known) for r in refs) if v)
            calls((call or {}).get("module"), f"{prefix}module.{name}.")

    calls((plan.get("configuration") or {}).get("root_module"), "")
    for resource in config.values():
        if resource.get("type") in OPAQUE_TYPES:
            refs: set[str] = set()
            _all_refs(resource.get("expressions") or {}, resource.get("_prefix", ""), refs)
            given.update(v for v in (_resource_of(r, known) for r in refs) if v)
    return given


def _block_refs(resource: dict, block: str, attribute: str, count: int) -> list[list[str]] | None:
    """The references of ``attribute`` in each of ``count`` blocks, when the configuration lists
    them block by block (a ``dynamic`` block does not: None)."""
    listed = (resource.get("expressions") or {}).get(block)
    if not isinstance(listed, list) or len(listed) != count:
        return None
    prefix = resource.get("_prefix", "")
    return [_refs(item.get(attribute), prefix) if isinstance(item, dict) else [] for item in listed]


def _is_deployer_value(value: Any, found: Deployment) -> bool:
    return (
        isinstance(value, str)
        and found.deployer_id is not None
        and (value.lower() == found.deployer_id)
    )
