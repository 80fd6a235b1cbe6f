"""The KVA7xx checks: the 403 a deployment itself will hit, predicted from its code.

Each asks the facts of :mod:`kvlint.audit.deploy` about one :class:`~kvlint.audit.deploy.Deployment`
and reports at the line of the resource to fix (the write, or the grant), about its vault:

- KVA701 the runner (or a template's deployment script) writes into a vault the same code
  closes to it;
- KVA702 a write that needs a role assignment the same apply creates, with nothing waiting for
  it to propagate (or a separate access policy it does not wait for);
- KVA703 the deploying identity holds no grant for what it writes;
- KVA704 a grant that names an application's client id or application object id, not the
  principal's object id.

A vault property the code leaves unresolved keeps the check that needs it silent; so does a
write whose ``count`` / ``for_each`` is not known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from kvlint.audit import rbac, roles
from kvlint.audit.deploy import Deployment, Grant, Write, bare, wrong_kind_of_id
from kvlint.audit.model import Vault
from kvlint.audit.network import non_public_kind, parse_rule
from kvlint.findings import Finding, Location, Resource

NETWORK = frozenset({"publicNetworkAccess", "networkAcls", "privateEndpointConnections"})
DEPLOYER = "the deploying identity"


@dataclass(frozen=True)
class Context:
    """What the command line adds: the runner's address, the role assignments given."""

    runner: IPv4Address | None = None
    assignments: tuple[roles.RoleAssignment, ...] | None = None  # None: none given
    definitions: dict[str, roles.RoleDefinition] | None = None


def _finding(
    code: str, message: str, vault: Vault | None, file: str, line: int, name: str
) -> Finding:
    resource = (
        Resource(vault.name, vault.id, vault.subscription, "vault")
        if vault
        else Resource(name, name, "", "vault")
    )
    return Finding.of(code, message, resource=resource, location=Location.point(file, max(line, 1)))


def run(deployment: Deployment, context: Context) -> list[Finding]:
    found: list[Finding] = []
    for write in deployment.writes:
        vault = deployment.vaults.get(write.vault)
        if vault is None or write.conditional:
            continue
        checks = (
            (("KVA701", locked_out), ("KVA702", script_grant_not_propagated))
            if write.origin == "script"  # the script's own identity writes, not the deployer
            else (
                ("KVA701", locked_out),
                ("KVA702", grant_not_propagated),
                ("KVA703", no_grant),
            )
        )
        for code, check in checks:
            for message in check(deployment, write, vault, context):
                found.append(_finding(code, message, vault, write.file, write.line, write.vault))
    for grant in deployment.grants:
        if grant.wrong_id:
            vault = deployment.vaults.get(grant.vault or "")
            found.append(
                _finding(
                    "KVA704",
                    wrong_kind_of_id(grant),
                    vault,
                    grant.file,
                    grant.line,
                    grant.address,
                )
            )
    return found


# -- KVA701 ----------------------------------------------------------------------------------


def _usable_endpoints(vault: Vault) -> list[str]:
    """Private endpoints the plan connects that may carry traffic (Approved or not yet known:
    an automatic connection the deployer may approve is approved on creation)."""
    return [
        pe.id or "(unnamed)" for pe in vault.private_endpoints if pe.status is None or pe.approved
    ]


def locked_out(
    deployment: Deployment, write: Write, vault: Vault, context: Context
) -> Iterator[str]:
    if vault.unknown & NETWORK or vault.perimeter:
        return  # unresolved, or a perimeter whose rules decide (KVA5xx judge a caller there)
    public = vault.public_enabled
    deny = vault.default_action.lower() == "deny"
    if public and not deny:
        return
    if write.origin == "script":
        yield from _script_locked_out(write, vault, public)
        return
    if write.vault in deployment.opaque:
        return  # a module (or an AzAPI resource) given the vault may connect an endpoint to it
    endpoints = _usable_endpoints(vault)
    closed = (
        "public_network_access_enabled = false"
        if not public
        else f'network_acls default_action = "Deny" ({len(vault.ip_rules)} IP rule(s))'
    )
    head = (
        f"{write.address} writes into {vault.name} from the machine that runs the deployment, "
        f"and the same code sets {closed}"
    )
    tail = (
        ": Key Vault answers the write 403 "
        + ("ForbiddenByConnection" if not public else "ForbiddenByFirewall")
        + " in the middle of apply (the AzureServices bypass does not admit a CI runner)"
    )
    runner = context.runner
    if runner is None:
        if endpoints or (public and (vault.ip_rules or vault.vnet_rules)):
            return  # the runner may be on one of them: pass --ip to check its address
        way = (
            "no private endpoint"
            if not public
            else "no IP rule, no virtual-network rule and no private endpoint"
        )
        yield (
            f"{head}, with {way}{tail}; the runner must be in the IP rules or on a private "
            "endpoint's network (pass --ip RUNNER_ADDRESS to check a runner's address)"
        )
        return
    private = non_public_kind(IPv4Network(runner))
    if private:
        if endpoints or (public and (vault.vnet_rules or vault.ip_rules)):
            return  # on the private endpoint's network, in a listed subnet, or its egress
            # address (what Key Vault sees from the internet) may be in the IP rules
        way = (
            "only through a private endpoint"
            if not public
            else "only through a private endpoint or a virtual-network rule"
        )
        yield (
            f"{head}; the runner calls from {runner} ({private} space), which reaches this vault "
            f"{way}, and the code makes none{tail}"
        )
        return
    if not public:
        via = (
            f" (its private endpoint(s) {', '.join(endpoints)} admit only callers on their "
            "virtual network)"
            if endpoints
            else ""
        )
        yield (
            f"{head}; the runner calls from the public address {runner}, which a vault with "
            f"public access disabled never admits{via}{tail}"
        )
        return
    matching = [v for v in vault.ip_rules if (net := parse_rule(v)) is not None and runner in net]
    if matching:
        return
    rules = ", ".join(vault.ip_rules[:4]) or "none"
    yield (
        f"{head}; the runner's address {runner} matches none of its IP rules ({rules}): add "
        f"it to ip_rules, or run the deployment on the private endpoint's network{tail}"
    )


def _script_locked_out(write: Write, vault: Vault, public: bool) -> Iterator[str]:
    """A deployment script runs in a container instance Azure creates: without
    ``containerSettings.subnetIds`` it calls from an Azure public address that is not known in
    advance (so in no IP rule), and a deployment script is not a trusted service."""
    if write.private_network:
        return  # in the customer's subnet: a private endpoint or a subnet rule may admit it
    closed = "publicNetworkAccess Disabled" if not public else 'networkAcls.defaultAction "Deny"'
    yield (
        f"deployment script {write.address} writes into {vault.name} from the container "
        f"instance Azure runs it in, and the same template sets {closed}: the container calls "
        "from an Azure public address no IP rule can name in advance, and deployment scripts "
        "are not trusted services, so the write gets 403 "
        + ("ForbiddenByConnection" if not public else "ForbiddenByFirewall")
        + "; run the script in the virtual network (properties.containerSettings.subnetIds) "
        "with a private endpoint or a virtual-network rule, or create the secret as a "
        "Microsoft.KeyVault/vaults/secrets resource (Resource Manager writes it through the "
        "control plane, which the firewall does not govern)"
    )


# -- KVA702 ----------------------------------------------------------------------------------


def _grants_write(grant: Grant, write: Write, context: Context) -> bool:
    """A role assignment whose role holds every data action the write needs (unknown roles:
    not known to)."""
    if grant.kind != "role" or grant.assignment is None:
        return False
    definitions = {**roles.BUILTIN, **(context.definitions or {})}
    role = definitions.get(grant.assignment.role_id)
    if role is None:
        return False
    return all(
        role.allows(rbac.DATA_ACTION_PREFIX + rbac.DATA_ACTIONS[f"{k}/{n}"])
        for k, n in write.permissions
        if f"{k}/{n}" in rbac.DATA_ACTIONS
    )


def _deployer_roles(deployment: Deployment, write: Write, context: Context) -> list[Grant]:
    return [
        g
        for g in deployment.grants
        if g.kind == "role"
        and g.deployer
        and g.vault == write.vault
        and _grants_write(g, write, context)
    ]


def grant_not_propagated(
    deployment: Deployment, write: Write, vault: Vault, context: Context
) -> Iterator[str]:
    if "enableRbacAuthorization" in vault.unknown:
        return
    if not vault.rbac:
        yield from _policy_not_awaited(deployment, write)
        return
    grants = _deployer_roles(deployment, write, context)
    if not grants:
        return
    if context.assignments is not None and deployment.deployer_id:
        definitions = {**roles.BUILTIN, **(context.definitions or {})}
        if _given_grant(deployment.deployer_id, write, vault, context.assignments, definitions):
            return  # it already holds a role that grants the write: nothing to wait for
    upstream = deployment.upstream(write.address)
    for grant in grants:
        if grant.address not in upstream:
            yield (
                f"{write.address} needs {grant.address} ({_role(grant)} for {DEPLOYER}), created "
                "in the same apply, yet does not depend on it: Terraform may write before the "
                "role assignment exists, and even after it a new assignment takes minutes to "
                "reach Key Vault: 403 ForbiddenByRbac on the first apply, success on the "
                "second; add depends_on a time_sleep (create_duration of a few minutes) that "
                "depends on the assignment"
            )
            return
        waits = [
            w for w in deployment.waits if w in upstream and grant.address in deployment.upstream(w)
        ]
        if waits:
            continue
        yield (
            f"{write.address} depends on {grant.address} ({_role(grant)} for {DEPLOYER}), "
            "created in the same apply, with nothing that waits for it to propagate: a new "
            "role assignment takes minutes to reach Key Vault, so the write gets 403 "
            "ForbiddenByRbac on the first apply and succeeds on the second; put a time_sleep "
            "(create_duration of a few minutes) between them"
        )
        return


def script_grant_not_propagated(
    deployment: Deployment, write: Write, vault: Vault, context: Context
) -> Iterator[str]:
    """A deployment script writing as a user-assigned identity whose role on the (RBAC) vault
    the same template assigns, and that neither loops nor sleeps: ARM runs the script as soon
    as the assignment exists, before it reaches Key Vault."""
    if write.identity is None or write.retries or "enableRbacAuthorization" in vault.unknown:
        return
    if not vault.rbac:
        return
    granting = [
        g
        for g in deployment.grants
        if g.kind == "role"
        and g.vault == write.vault
        and g.principal == write.identity
        and _grants_write(g, write, context)
    ]
    if not granting:
        return
    grant = granting[0]
    identity = write.identity.rsplit("/", 1)[-1]
    yield (
        f"deployment script {write.address} writes into {vault.name} as identity {identity}, "
        f"whose role ({_role(grant)}, {grant.address}) the same template assigns: a new role "
        "assignment takes minutes to reach Key Vault, and the script runs as soon as it exists, "
        "so its write gets 403 ForbiddenByRbac on the first deployment; retry the write in the "
        "script (a loop with a sleep) until it succeeds"
    )


def _policy_grants(grant: Grant, write: Write) -> bool:
    return all(
        f"{k}/{n}" in grant.permissions or f"{k}/all" in grant.permissions
        for k, n in write.permissions
    )


def _policy_not_awaited(deployment: Deployment, write: Write) -> Iterator[str]:
    """Access-policy mode: the deployer's grant is a separate ``azurerm_key_vault_access_policy``
    the write does not depend on, so Terraform may run the write first (policies inline in the
    vault are created with it, and the write depends on the vault)."""
    mine = [
        g
        for g in deployment.grants
        if g.kind == "policy" and g.vault == write.vault and g.deployer and _policy_grants(g, write)
    ]
    inline = [g for g in mine if g.address.endswith(".access_policy")]
    separate = [g for g in mine if not g.address.endswith(".access_policy")]
    if inline or not separate:
        return
    upstream = deployment.upstream(write.address)
    if any(g.address in upstream for g in separate):
        return
    grant = separate[0]
    yield (
        f"{write.address} needs {grant.address} (the access policy for {DEPLOYER}), created in "
        "the same apply, yet does not depend on it: Terraform may run the write before the "
        "policy exists, and Key Vault answers 403 Forbidden on the first apply (the second "
        f"succeeds); add depends_on = [{grant.address}] to the write"
    )


def _role(grant: Grant) -> str:
    if grant.assignment and grant.assignment.role_name:
        return f'"{grant.assignment.role_name}"'
    found = roles.BUILTIN.get(grant.assignment.role_id) if grant.assignment else None
    return f'"{found.name}"' if found else "a role"


# -- KVA703 ----------------------------------------------------------------------------------


def _needed(write: Write) -> str:
    return ", ".join(f"{k}/{n}" for k, n in write.permissions)


def no_grant(deployment: Deployment, write: Write, vault: Vault, context: Context) -> Iterator[str]:
    if "enableRbacAuthorization" in vault.unknown:
        return  # the grants themselves are the deployment's (an unknown one keeps it silent)
    if write.vault in deployment.opaque:
        return  # a module (or an AzAPI resource) given the vault may grant access on it
    if vault.rbac:
        yield from _no_role(deployment, write, vault, context)
        return
    mine = [g for g in deployment.grants if g.kind == "policy" and g.vault == write.vault]
    if any("(unknown)" in " ".join(g.permissions) for g in mine):
        return  # an entry whose permissions are not known may grant it
    if any(not g.deployer and _may_be_deployer(g, deployment) for g in mine):
        return  # an entry for an object id that may be the deployer's: whose is not known
    deployer = [g for g in mine if g.deployer]
    missing = [
        f"{k}/{n}"
        for k, n in write.permissions
        if not any(f"{k}/{n}" in g.permissions or f"{k}/all" in g.permissions for g in deployer)
    ]
    if not missing:
        return
    if deployer:
        held = sorted(set().union(*(g.permissions for g in deployer))) or ["nothing"]
        yield (
            f"{write.address} writes into {vault.name} (access-policy mode) as {DEPLOYER}, "
            f"whose access policy grants {', '.join(held[:8])} but not {', '.join(missing)}: "
            "403 Forbidden in the middle of apply"
        )
        return
    which = f"none of the vault's {len(mine)} access policies is" if mine else "no access policy is"
    yield (
        f"{write.address} writes into {vault.name} (access-policy mode) as {DEPLOYER}, and "
        f"{which} for it (object_id = data.azurerm_client_config.current.object_id): 403 "
        f"Forbidden in the middle of apply; add a policy granting {_needed(write)}"
    )


GUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$", re.I)


def _may_be_deployer(grant: Grant, deployment: Deployment) -> bool:
    """Whether a grant's principal may be the deploying identity: it names it, or it is not
    known whose it is (a variable, an unresolved value, a literal object id when the plan does
    not say the deployer's). A principal another resource of the code creates is someone else."""
    if grant.deployer:
        return True
    principal = bare(grant.principal)
    if principal == "(unknown)" or principal.startswith(("var.", "local.", "module.")):
        return True
    if principal != grant.principal and not re.match(r"^(data\.)?[a-z]\w*\.[\w-]+\.", principal):
        return True  # an output of a module that was not followed
    if re.match(r"^(data\.)?azuread_group\.", principal):
        return True  # a group: whether the deployer is a member is not known
    if GUID.match(principal):
        return deployment.deployer_id is None or principal.lower() == deployment.deployer_id
    return False


def _no_role(deployment: Deployment, write: Write, vault: Vault, context: Context) -> Iterator[str]:
    # the vault's own assignments, and those at a scope that may hold it (a resource group, a
    # subscription: not another vault of the code)
    planned = [
        g
        for g in deployment.grants
        if g.kind == "role" and (g.vault == write.vault or g.vault is None)
    ]
    if any(g.deployer and _grants_write(g, write, context) for g in planned):
        return
    definitions = {**roles.BUILTIN, **(context.definitions or {})}
    if any(
        _may_be_deployer(g, deployment)
        and g.assignment is not None
        and (g.assignment.role_id not in definitions or _grants_write(g, write, context))
        for g in planned
    ):
        return  # for someone who may be the deployer, with a role that grants it or may
    if context.assignments is not None:
        if not deployment.deployer_id:
            return  # whose assignments to look for is known only from a plan
        if _given_grant(deployment.deployer_id, write, vault, context.assignments, definitions):
            return
        yield (
            f"{write.address} writes into {vault.name} (RBAC mode) as {DEPLOYER} "
            f"({deployment.deployer_id}), and neither the code nor the role assignments given "
            f"grant it {_needed(write)}: 403 ForbiddenByRbac in the middle of apply; "
            f"{_suggest(write)}"
        )
        return
    yield (
        f"{write.address} writes into {vault.name} (RBAC mode) as {DEPLOYER}, and the code "
        f"assigns it no role that grants {_needed(write)} on the vault: 403 ForbiddenByRbac in "
        "the middle of apply, unless it already holds such a role at the resource group, "
        "subscription or management group (Owner and Contributor do not grant data actions; "
        "pass `az role assignment list --assignee ID --all --include-inherited` with --input "
        f"to decide); {_suggest(write)}"
    )


def _given_grant(
    deployer: str,
    write: Write,
    vault: Vault,
    given: tuple[roles.RoleAssignment, ...],
    definitions: dict[str, roles.RoleDefinition],
) -> bool:
    """Whether an assignment given with --input may grant the write: the deployer's (or a
    group's, whose membership is unknown) at any scope but another vault or an item, with a role
    whose definition is unknown or allows every data action the write needs."""
    actions = [
        rbac.DATA_ACTION_PREFIX + rbac.DATA_ACTIONS[f"{k}/{n}"]
        for k, n in write.permissions
        if f"{k}/{n}" in rbac.DATA_ACTIONS
    ]
    for a in given:
        mine = a.principal_id == deployer or (a.principal_type or "group").lower() in (
            "group",
            "foreigngroup",
        )
        if not mine:
            continue
        scope = a.scope.lower().rstrip("/")
        marker = "/providers/microsoft.keyvault/vaults/"
        if marker in scope:
            rest = scope.split(marker, 1)[1]
            if rest != vault.name.lower():
                continue  # another vault, or an item of one (…/vaults/NAME/secrets/ITEM)
        role = definitions.get(a.role_id)
        if role is None or all(role.allows(action) for action in actions):
            return True
    return False


def _suggest(write: Write) -> str:
    actions = [
        rbac.DATA_ACTION_PREFIX + rbac.DATA_ACTIONS[f"{k}/{n}"]
        for k, n in write.permissions
        if f"{k}/{n}" in rbac.DATA_ACTIONS
    ]
    role = roles.least_privileged(actions) if actions else None
    if role is None:
        return "assign it a role with the data actions the write needs"
    return (
        f'assign "{role.name}" on the vault to data.azurerm_client_config.current.object_id '
        "(and wait for it: KVA702)"
    )
