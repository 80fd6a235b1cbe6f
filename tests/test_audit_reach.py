"""Reachability verdicts: network gates in Key Vault's order, then identity (KVA501-KVA505)."""

from __future__ import annotations

import pytest

from kvlint.audit import rbac, reach
from kvlint.audit.model import normalize
from kvlint.audit.rbac import Evidence
from kvlint.audit.roles import RoleAssignment, RoleDefinition
from kvlint.errors import KvlintError
from tests.audit_data import (
    APP,
    CLIENT_APP,
    OTHER,
    OTHER_TENANT,
    TENANT,
    policy,
    private_endpoint,
    vault,
)

PUBLIC_IP = "203.0.113.5"  # inside the default vault's 203.0.113.0/28 rule
OUTSIDE_IP = "198.51.100.7"
SUBNET = (
    "/subscriptions/x/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/web"
)


def judge(
    doc: dict,
    ip: str = PUBLIC_IP,
    *,
    who: str = APP,
    tenant: str | None = None,
    permissions: list[str] | None = None,
    subnet: str | None = None,
    trusted: bool = False,
    roles: Evidence | None = None,
    groups: list[str] | None = None,
    item: str | None = None,
):
    """The first gate that stops the caller (None: it gets in); ``gates`` lists them all."""
    found = gates(
        doc,
        ip,
        who=who,
        tenant=tenant,
        permissions=permissions,
        subnet=subnet,
        trusted=trusted,
        roles=roles,
        groups=groups,
        item=item,
    )
    return found[0] if found else None


def gates(
    doc,
    ip=PUBLIC_IP,
    *,
    who=APP,
    tenant=None,
    permissions=None,
    subnet=None,
    trusted=False,
    roles=None,
    groups=None,
    item=None,
):
    caller = reach.caller(
        reach.principal(who, tenant), ip, permissions, subnet, trusted, groups, item
    )
    return reach.gates(normalize(doc), caller, roles)


def code(doc: dict, *args, **kwargs) -> str | None:
    found = judge(doc, *args, **kwargs)
    return found.code if found else None


# -- network ---------------------------------------------------------------------------------

NETWORK = [
    ("IP rule admits", {}, PUBLIC_IP, {}, None),
    ("outside every IP rule", {}, OUTSIDE_IP, {}, "KVA501"),
    (
        "bare address rule is /32",
        {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": OUTSIDE_IP}]}},
        OUTSIDE_IP,
        {},
        None,
    ),
    ("no ACLs admit everyone", {"networkAcls": None}, OUTSIDE_IP, {}, None),
    (
        "default Allow admits everyone",
        {"networkAcls": {"defaultAction": "Allow"}},
        OUTSIDE_IP,
        {},
        None,
    ),
    (
        "public disabled refuses even a matching IP",
        {"publicNetworkAccess": "Disabled"},
        PUBLIC_IP,
        {},
        "KVA501",
    ),
    (
        "public disabled, private caller through an approved endpoint",
        {"publicNetworkAccess": "Disabled", "privateEndpointConnections": [private_endpoint()]},
        "10.1.2.3",
        {},
        None,
    ),
    (
        "public disabled, private caller, endpoint only pending",
        {
            "publicNetworkAccess": "Disabled",
            "privateEndpointConnections": [private_endpoint("Pending")],
        },
        "10.1.2.3",
        {},
        "KVA501",
    ),
    (
        "public disabled, public caller does not use the endpoint",
        {"publicNetworkAccess": "Disabled", "privateEndpointConnections": [private_endpoint()]},
        PUBLIC_IP,
        {},
        "KVA501",
    ),
    ("trusted service through the bypass", {}, OUTSIDE_IP, {"trusted": True}, None),
    (
        "trusted service with bypass None",
        {"networkAcls": {"defaultAction": "Deny", "bypass": "None"}},
        OUTSIDE_IP,
        {"trusted": True},
        "KVA501",
    ),
    (
        "private address never matches an IP rule",
        {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "10.0.0.0/8"}]}},
        "10.1.2.3",
        {},
        "KVA501",
    ),
    (
        "invalid rule never matches",
        {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": f"'{OUTSIDE_IP}'"}]}},
        OUTSIDE_IP,
        {},
        "KVA501",
    ),
    (
        "caller in a VNet-rule subnet",
        {"networkAcls": {"defaultAction": "Deny", "virtualNetworkRules": [{"id": SUBNET.lower()}]}},
        "10.1.2.3",
        {"subnet": SUBNET},
        None,
    ),
    (
        "caller in another subnet",
        {"networkAcls": {"defaultAction": "Deny", "virtualNetworkRules": [{"id": SUBNET}]}},
        "10.1.2.3",
        {"subnet": SUBNET + "2"},
        "KVA501",
    ),
]


@pytest.mark.parametrize(
    ("properties", "ip", "extra", "expected"), [c[1:] for c in NETWORK], ids=[c[0] for c in NETWORK]
)
def test_network_gates(properties, ip, extra, expected):
    assert code(vault(**properties), ip, **extra) == expected


def test_firewall_refusal_explains_itself_in_key_vault_words():
    doc = vault(
        networkAcls={
            "defaultAction": "Deny",
            "bypass": "AzureServices",
            "ipRules": [{"value": "203.0.113.0/28"}, {"value": "192.0.2.1"}],
            "virtualNetworkRules": [{"id": SUBNET}],
        }
    )
    message = judge(doc, OUTSIDE_IP).message
    assert message.startswith(
        '403 ForbiddenByFirewall: "Client address is not authorized and '
        'caller is not a trusted service"'
    )
    assert f"{OUTSIDE_IP} matches none of the vault's 2 IP rules (203.0.113.0/28, 192.0.2.1)" in (
        message
    )
    one = judge(
        vault(networkAcls={"defaultAction": "Deny", "ipRules": [{"value": "192.0.2.1"}]}),
        OUTSIDE_IP,
    )
    assert f"{OUTSIDE_IP} does not match the vault's one IP rule (192.0.2.1)" in one.message
    assert "(s)" not in one.message
    assert "did not say (--subnet)" in message
    private = judge(doc, "192.168.1.10").message
    assert "private (RFC 1918) space" in private and "pass that to --ip" in private
    disabled = judge(vault(publicNetworkAccess="Disabled"), PUBLIC_IP).message
    assert "ForbiddenByConnection" in disabled and "no private endpoint is Approved" in disabled


def test_network_is_judged_before_identity():
    doc = vault(accessPolicies=[], publicNetworkAccess="Disabled")
    assert code(doc) == "KVA501"


# -- access policies -------------------------------------------------------------------------

POLICY_GROUP = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"

IDENTITY = [
    ("get granted", [policy()], {}, None),
    ("case-insensitive names", [policy(secrets=("GET",))], {}, None),
    ("all covers everything", [policy(secrets=("all",))], {"permissions": ["secrets/purge"]}, None),
    ("object id compared case-insensitively", [policy(APP.upper())], {}, None),
    # another object's entry holding the permission may be a group the caller is in
    ("no entry, another object's grants it", [policy(OTHER)], {}, "KVA505"),
    ("no entry, no other grants it", [policy(OTHER, secrets=("list",))], {}, "KVA502"),
    ("no policies at all", [], {}, "KVA502"),
    ("entry only in another tenant", [policy(tenant=OTHER_TENANT)], {}, "KVA502"),
    # issue 23 item 9: --group counts for access policies as it does for role assignments
    ("a group's entry, --group given", [policy(POLICY_GROUP)], {"groups": [POLICY_GROUP]}, None),
    ("a group's entry, no --group", [policy(POLICY_GROUP)], {}, "KVA505"),
    (
        "a group's entry lacking, --group given",
        [policy(POLICY_GROUP, secrets=("list",))],
        {"groups": [POLICY_GROUP]},
        "KVA503",
    ),
    (
        "own entry lacking, the group's entry holding",
        [policy(secrets=("list",)), policy(POLICY_GROUP, secrets=("get",))],
        {"groups": [POLICY_GROUP]},
        None,
    ),
    (
        "own entry lacking, another object's entry holding",
        [policy(secrets=("list",)), policy(OTHER, secrets=("get",))],
        {},
        "KVA505",
    ),
    ("lacks get", [policy(secrets=("list",))], {}, "KVA503"),
    ("get on secrets is not get on keys", [policy()], {"permissions": ["keys/get"]}, "KVA503"),
    (
        "every permission asked for must be held",
        [policy()],
        {"permissions": ["secrets/get", "secrets/set"]},
        "KVA503",
    ),
    ("only compound", [policy(application=CLIENT_APP)], {}, "KVA504"),
    ("compound plus plain", [policy(application=CLIENT_APP), policy(secrets=("get",))], {}, None),
    (
        "plain entry lacking, compound holding",
        [policy(secrets=("list",)), policy(application=CLIENT_APP)],
        {},
        "KVA503",
    ),
    (
        "permission held across two plain entries",
        [policy(secrets=("get",)), policy(secrets=(), keys=("unwrapKey",))],
        {"permissions": ["secrets/get", "keys/unwrapkey"]},
        None,
    ),
    ("token from another tenant", [policy()], {"tenant": OTHER_TENANT}, "KVT105"),
    ("token from the vault's tenant", [policy()], {"tenant": TENANT}, None),
]


@pytest.mark.parametrize(
    ("policies", "extra", "expected"), [c[1:] for c in IDENTITY], ids=[c[0] for c in IDENTITY]
)
def test_access_policy_identity(policies, extra, expected):
    assert code(vault(accessPolicies=policies), **extra) == expected


def test_identity_messages():
    others = [policy(OTHER, secrets=("list",)), policy(tenant=OTHER_TENANT)]
    missing = judge(vault(accessPolicies=others)).message
    assert f"no access policy for object {APP} in the vault's tenant {TENANT}" in missing
    assert OTHER_TENANT in missing and "so no group membership would admit it" in missing
    undecided = judge(vault(accessPolicies=[policy(OTHER)])).message
    assert f"the access policy for another object ({OTHER}) grants it" in undecided
    assert "pass --group OID" in undecided
    beyond = judge(vault(accessPolicies=[policy(OTHER)]), groups=[POLICY_GROUP]).message
    assert "membership beyond the --group given is not known" in beyond
    lacking = judge(vault(accessPolicies=[policy(secrets=("list",))])).message
    assert "grants secrets/list but not secrets/get" in lacking
    assert "does not have secrets get permission on key vault 'kv-app'" in lacking
    compound = judge(vault(accessPolicies=[policy(application=CLIENT_APP)])).message
    assert CLIENT_APP in compound
    foreign = judge(vault(), tenant=OTHER_TENANT).message
    assert "AKV10032" in foreign


# -- RBAC ------------------------------------------------------------------------------------

RBAC = vault(enableRbacAuthorization=True, accessPolicies=[])
VAULT_SCOPE = RBAC["id"]
RG_SCOPE = VAULT_SCOPE.split("/providers/")[0]
SECRETS_USER = (
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
)


SECRETS_USER_ID = "4633458b-17de-408a-b874-0445c86b69e6"
OWNER_ID = "8e3af657-a8ff-4c61-a3a5-6d8ad3b09d4e"
ADMIN_ID = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
CUSTOM_ID = "5b7c3f3e-0000-4000-8000-00000000c0de"
GROUP = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
CUSTOM = RoleDefinition(
    CUSTOM_ID,
    "Secrets reader but not values",
    (
        (
            ("Microsoft.KeyVault/vaults/secrets/*",),
            ("Microsoft.KeyVault/vaults/secrets/getSecret/action",),
        ),
    ),
)


def grant(
    scope: str = RG_SCOPE,
    role: str = SECRETS_USER_ID,
    *,
    principal: str = APP,
    kind: str | None = "ServicePrincipal",
    condition: str | None = None,
) -> RoleAssignment:
    return RoleAssignment(scope, role, principal, kind, condition)


def given(*assignments: RoleAssignment, definitions=(CUSTOM,)) -> Evidence:
    return Evidence(
        tuple(assignments),
        {**rbac.BUILTIN, **{d.id: d for d in definitions}},
        source="the role assignments given with --input",
    )


@pytest.mark.parametrize(
    ("grants", "options", "expected"),
    [
        ([grant()], {}, None),
        ([grant(scope=VAULT_SCOPE)], {}, None),
        ([grant(scope=VAULT_SCOPE.upper())], {}, None),
        ([grant(scope="/")], {}, None),
        ([grant(scope="/providers/Microsoft.Management/managementGroups/root")], {}, None),
        ([grant(scope=f"/subscriptions/{VAULT_SCOPE.split('/')[2]}")], {}, None),
        ([grant(scope=VAULT_SCOPE + "/secrets/db-password")], {}, "KVA505"),  # item only
        (
            [grant(scope=VAULT_SCOPE + "/secrets/db-password")],
            {"item": "db-password"},
            None,
        ),
        ([grant(scope=VAULT_SCOPE + "/secrets/db-password")], {"item": "other"}, "KVA506"),
        ([grant(scope=RG_SCOPE + "-other")], {}, "KVA506"),  # a sibling resource group
        ([grant(scope=VAULT_SCOPE + "2")], {}, "KVA506"),  # kv-app2 is not kv-app
        ([grant(role=OWNER_ID)], {}, "KVA506"),  # control plane only
        ([grant(role=ADMIN_ID)], {"permissions": ["secrets/set", "keys/wrapkey"]}, None),
        ([grant(role=CUSTOM_ID)], {}, "KVA506"),  # notDataActions takes getSecret away
        ([grant(role=CUSTOM_ID)], {"permissions": ["secrets/list"]}, None),
        ([grant()], {"permissions": ["secrets/set"]}, "KVA506"),
        ([grant(principal=OTHER, kind="User")], {}, "KVA506"),  # someone else's
        ([grant(principal=GROUP, kind="Group")], {}, "KVA505"),  # membership unknown
        ([grant(principal=GROUP, kind="Group")], {"groups": [GROUP]}, None),
        ([grant(principal=GROUP, kind="Group", role=OWNER_ID)], {}, "KVA506"),  # grants nothing
        ([grant(role="ffffffff-0000-4000-8000-000000000000")], {}, "KVA505"),  # no definition
        ([grant(condition="@Resource[x] StringEquals 'y'")], {}, "KVA505"),
        (
            [grant(scope=f"/subscriptions/{'f' * 8}-0000-0000-0000-000000000000")],
            {},
            "KVA505",  # the export is about other subscriptions
        ),
    ],
)
def test_rbac_role_assignments_decide(grants, options, expected):
    found = judge(RBAC, roles=given(*grants), **options)
    assert (found.code if found else None) == expected, found and found.message


def test_a_definite_refusal_names_the_roles_seen_and_the_role_that_would_grant_it():
    found = judge(RBAC, roles=given(grant(role=OWNER_ID), grant(scope=VAULT_SCOPE, role=CUSTOM_ID)))
    assert found.code == "KVA506" and found.severity == "error"
    assert "roles: Owner, Secrets reader but not values" in found.message
    assert '"Key Vault Secrets User" at the vault would grant it' in found.message
    assert "ForbiddenByRbac" in found.message
    keys = judge(RBAC, permissions=["keys/unwrapkey"], roles=given(grant()))
    assert '"Key Vault Crypto Service Encryption User"' in keys.message


def test_rbac_unverified_messages_say_which():
    offline = judge(RBAC).message
    assert "not checked (offline input" in offline
    unreadable = judge(
        RBAC, roles=Evidence(None, reason="role assignments could not be read (403 x)")
    )
    assert unreadable.code == "KVA505" and "could not be read (403 x)" in unreadable.message
    conditional = judge(RBAC, roles=given(grant(condition="@Resource[...] == 'x'"))).message
    assert "conditional (ABAC)" in conditional
    custom = judge(RBAC, roles=given(grant(role="ffffffff-0000-4000-8000-000000000000"))).message
    assert "definition of role(s) ffffffff-0000-4000-8000-000000000000 was not given" in custom
    group = judge(RBAC, roles=given(grant(principal=GROUP, kind="Group"))).message
    assert f"group(s) {GROUP} hold a role that grants it" in group and "--group" in group
    item = judge(RBAC, roles=given(grant(scope=VAULT_SCOPE + "/secrets/db-password"))).message
    assert "only assignments on item(s) db-password grant it" in item
    unknown = judge(RBAC, permissions=["storage/get"], roles=given(grant()))
    assert "does not know the data action for storage/get" in unknown.message


def test_every_gate_that_stops_the_caller_is_named_in_order():
    closed = vault(
        enableRbacAuthorization=True,
        accessPolicies=[],
        networkAcls={"defaultAction": "Deny", "ipRules": []},
    )
    found = gates(closed, OUTSIDE_IP, tenant=TENANT, roles=given(grant(role=OWNER_ID)))
    assert [f.code for f in found] == ["KVA501", "KVA506"]
    # a token from another tenant: 401 first, the firewall too; its oid is not judged
    found = gates(closed, OUTSIDE_IP, tenant=OTHER_TENANT, roles=given(grant(role=OWNER_ID)))
    assert [f.code for f in found] == ["KVT105", "KVA501"]
    assert gates(vault(), PUBLIC_IP) == []


def test_permission_to_data_action_map():
    families = {
        "secrets": ("secrets/",),
        "keys": ("keys/", "keyrotationpolicies/"),
        "certificates": ("certificates/", "certificatecas/", "certificatecontacts/"),
    }
    for permission, action in rbac.DATA_ACTIONS.items():
        kind, _ = reach.parse_permission(permission)
        assert action.startswith(families[kind]), permission
    # the documented built-in "Key Vault Secrets User" role is exactly secrets get + list
    user = rbac.BUILTIN[SECRETS_USER_ID]
    granted = {p for p, a in rbac.DATA_ACTIONS.items() if user.allows(rbac.DATA_ACTION_PREFIX + a)}
    assert granted == {"secrets/get", "secrets/list"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("not-a-guid", None), "principal object id 'not-a-guid' is not a GUID"),
        ((APP, "contoso.onmicrosoft.com"), "tenant id 'contoso.onmicrosoft.com' is not a GUID"),
    ],
)
def test_principal_validation(args, message):
    with pytest.raises(KvlintError, match=message):
        reach.principal(*args)


@pytest.mark.parametrize(
    ("ip", "permission", "message"),
    [
        ("2001:db8::1", None, "IPv4 only"),
        ("10.0.0.300", None, "is not an IPv4 address"),
        (PUBLIC_IP, "secret/get", "must look like secrets/get"),
        (PUBLIC_IP, "secrets", "must look like secrets/get"),
    ],
)
def test_caller_validation(ip, permission, message):
    with pytest.raises(KvlintError, match=message):
        reach.caller(reach.principal(APP), ip, [permission] if permission else None)


def test_principal_from_another_source_keeps_its_tenant():
    who = reach.principal(APP.upper(), OTHER_TENANT.upper())
    assert (who.object_id, who.tenant_id) == (APP, OTHER_TENANT)


def test_a_rule_saved_without_its_service_endpoint_is_not_a_verdict_either_way():
    """Issue 23 item 14: KVA218 and the reach verdict agree: whether the subnet has the service
    endpoint is not known, so the caller in that subnet is neither allowed nor refused."""
    from kvlint.audit import checks
    from kvlint.audit.config import Thresholds

    acls = {
        "defaultAction": "Deny",
        "virtualNetworkRules": [{"id": SUBNET, "ignoreMissingVnetServiceEndpoint": True}],
    }
    doc = vault(networkAcls=acls)
    found = judge(doc, "10.1.2.3", subnet=SUBNET)
    assert found is not None and found.code == "KVA507"
    assert "whether the subnet has the Microsoft.KeyVault service endpoint" in found.message
    (kva218,) = [f for f in checks.run(normalize(doc), Thresholds()) if f.code == "KVA218"]
    assert "if it was enabled since, the rule works" in kva218.message
    assert "admits nobody (" in kva218.message and "if the endpoint is still missing" in (
        kva218.message
    )
    # the same rule saved normally admits the caller; another subnet is refused outright
    acls["virtualNetworkRules"][0]["ignoreMissingVnetServiceEndpoint"] = False
    assert judge(vault(networkAcls=acls), "10.1.2.3", subnet=SUBNET) is None
    acls["virtualNetworkRules"][0]["ignoreMissingVnetServiceEndpoint"] = True
    assert code(vault(networkAcls=acls), "10.1.2.3", subnet=SUBNET + "2") == "KVA501"
    # an IP rule that admits the caller anyway leaves nothing open
    acls["ipRules"] = [{"value": "203.0.113.0/28"}]
    assert judge(vault(networkAcls=acls), PUBLIC_IP, subnet=SUBNET) is None
