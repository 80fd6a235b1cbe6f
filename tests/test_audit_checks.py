"""The KVA1xx-KVA4xx checks against ARM-shaped vault documents, and the normalized view."""

from __future__ import annotations

import pytest

from kvlint import catalog
from kvlint.audit import checks
from kvlint.audit.checks import Thresholds
from kvlint.audit.model import MalformedVault, normalize
from tests.audit_data import OTHER, OTHER_TENANT, TENANT, policy, private_endpoint, vault

DEFAULTS = Thresholds()


def codes(doc: dict, thresholds: Thresholds = DEFAULTS, **extra) -> list[str]:
    return [f.code for f in checks.run(normalize(doc, **extra), thresholds)]


def test_every_check_is_catalogued_and_every_kva1_to_4_code_has_a_check():
    catalogued = {c for c in catalog.codes("audit") if c < "KVA500"}
    assert set(checks.CHECKS) == catalogued


def test_a_well_configured_vault_has_no_findings():
    assert codes(vault()) == []


def test_defaults_for_absent_fields():
    bare = vault(
        networkAcls=None,
        publicNetworkAccess=None,
        enableRbacAuthorization=None,
        softDeleteRetentionInDays=None,
    )
    view = normalize(bare)
    assert (view.default_action, view.bypass, view.public_network_access) == (
        "Allow",
        "AzureServices",
        "Enabled",
    )
    assert view.rbac is False and view.retention_days == 90 and not view.has_network_acls
    nulls = vault(enableRbacAuthorization=None)
    nulls["properties"]["enableRbacAuthorization"] = None
    assert normalize(nulls).rbac is False
    no_bypass = vault(networkAcls={"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}]})
    assert normalize(no_bypass).bypass == "AzureServices"


CASES = [
    (
        "foreign tenant policy",
        {"accessPolicies": [policy(), policy(OTHER, tenant=OTHER_TENANT)]},
        ["KVA101"],
    ),
    (
        "tenant id compared case-insensitively",
        {"accessPolicies": [policy(tenant=TENANT.upper())]},
        [],
    ),
    ("no policies in access-policy mode", {"accessPolicies": []}, ["KVA201"]),
    ("no policies key at all", {"accessPolicies": None}, ["KVA201"]),
    (
        "no policies in RBAC mode is fine",
        {"accessPolicies": [], "enableRbacAuthorization": True},
        [],
    ),
    ("RBAC with stale policies", {"enableRbacAuthorization": True}, ["KVA202"]),
    ("compound identity", {"accessPolicies": [policy(application=OTHER)]}, ["KVA203"]),
    ("all, any case", {"accessPolicies": [policy(secrets=("All",))]}, ["KVA204"]),
    ("purge on keys", {"accessPolicies": [policy(keys=("get", "PURGE"))]}, ["KVA204"]),
    ("empty policy", {"accessPolicies": [policy(), policy(OTHER, secrets=())]}, ["KVA205"]),
    ("duplicate policy", {"accessPolicies": [policy(), policy(secrets=("set",))]}, ["KVA206"]),
    (
        "same object, different application is no duplicate",
        {"accessPolicies": [policy(), policy(application=OTHER)]},
        ["KVA203"],
    ),
    ("no network ACLs", {"networkAcls": None}, ["KVA211"]),
    ("default Allow", {"networkAcls": {"defaultAction": "Allow"}}, ["KVA211"]),
    (
        "default Allow but public access disabled, with a private endpoint",
        {
            "networkAcls": {"defaultAction": "Allow"},
            "publicNetworkAccess": "Disabled",
            "privateEndpointConnections": [private_endpoint()],
        },
        [],
    ),
    ("public disabled, no endpoint", {"publicNetworkAccess": "Disabled"}, ["KVA212"]),
    (
        "public disabled, endpoint only pending",
        {
            "publicNetworkAccess": "Disabled",
            "privateEndpointConnections": [private_endpoint("Pending")],
        },
        ["KVA212", "KVA219"],
    ),
    (
        "deny with no rules",
        {"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}},
        ["KVA212"],
    ),
    (
        "deny with a VNet rule only",
        {
            "networkAcls": {
                "defaultAction": "Deny",
                "virtualNetworkRules": [{"id": "/subs/x/subnets/a"}],
            }
        },
        [],
    ),
    (
        "bypass None with disk encryption",
        {
            "enabledForDiskEncryption": True,
            "networkAcls": {
                "defaultAction": "Deny",
                "bypass": "None",
                "ipRules": [{"value": "1.2.3.4"}],
            },
        },
        ["KVA213"],
    ),
    (
        "bypass None but the firewall is open",
        {"enabledForDeployment": True, "networkAcls": {"defaultAction": "Allow", "bypass": "None"}},  # noqa: KV201
        ["KVA211"],
    ),
    (
        "bypass None, no service flags",
        {
            "networkAcls": {
                "defaultAction": "Deny",
                "bypass": "None",
                "ipRules": [{"value": "1.2.3.4"}],
            }
        },
        [],
    ),
    (
        "whole internet rule",
        {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "0.0.0.0/0"}]}},
        ["KVA214"],
    ),
    (
        "a /16 is not too broad",
        {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "20.50.0.0/16"}]}},
        [],
    ),
    (
        "private range",
        {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "10.91.4.0/24"}]}},
        ["KVA215"],
    ),
    (
        "private /8 is private, not too broad",
        {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "10.0.0.0/8"}]}},
        ["KVA215"],
    ),
    (
        "CGNAT and link-local",
        {
            "networkAcls": {
                "defaultAction": "Deny",
                "ipRules": [{"value": "100.64.1.1"}, {"value": "169.254.169.254"}],
            }
        },
        ["KVA215", "KVA215"],
    ),
    (
        "stray quotes (seen in the REST API's own example)",
        {
            "networkAcls": {
                "defaultAction": "Deny",
                "ipRules": [{"value": "124.56.78.91/32"}, {"value": "'10.91.4.0/24'"}],
            }
        },
        ["KVA216"],
    ),
    (
        "IPv6, a name, a bad prefix",
        {
            "networkAcls": {
                "defaultAction": "Deny",
                "ipRules": [
                    {"value": "2001:db8::/32"},
                    {"value": "office.contoso.com"},
                    {"value": "1.2.3.4/33"},
                    {"value": " 1.2.3.4"},
                ],
            }
        },
        ["KVA216"] * 4,
    ),
    (
        "host bits set are accepted",
        {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.7/28"}]}},
        [],
    ),
    (
        "approved endpoint while open to all",
        {
            "networkAcls": {"defaultAction": "Allow"},
            "privateEndpointConnections": [private_endpoint()],
        },
        ["KVA211", "KVA217"],
    ),
    (
        "VNet rule ignoring the missing endpoint",
        {
            "networkAcls": {
                "defaultAction": "Deny",
                "ipRules": [{"value": "1.2.3.4"}],
                "virtualNetworkRules": [
                    {"id": "/subs/x/subnets/a", "ignoreMissingVnetServiceEndpoint": True}
                ],
            }
        },
        ["KVA218"],
    ),
    (
        "rejected and disconnected endpoints",
        {
            "privateEndpointConnections": [
                private_endpoint("Rejected", "a"),
                private_endpoint("Disconnected", "b"),
                private_endpoint(),
            ]
        },
        ["KVA219", "KVA219"],
    ),
    ("soft delete off", {"enableSoftDelete": False}, ["KVA401"]),
    ("soft delete absent", {"enableSoftDelete": None}, ["KVA401"]),
    ("purge protection absent", {"enablePurgeProtection": None}, ["KVA402"]),
    ("purge protection false", {"enablePurgeProtection": False}, ["KVA402"]),
    ("short retention", {"softDeleteRetentionInDays": 7}, ["KVA403"]),
    (
        "short retention without soft delete only reports soft delete",
        {"softDeleteRetentionInDays": 7, "enableSoftDelete": False},
        ["KVA401"],
    ),
]


@pytest.mark.parametrize(
    ("properties", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_check(properties, expected):
    assert sorted(codes(vault(**properties))) == sorted(expected)


def test_policy_limit():
    many = [policy(f"00000000-0000-0000-0000-{i:012d}") for i in range(901)]
    found = codes(vault(accessPolicies=many), Thresholds(max_principals=5000))
    assert found == ["KVA207"]
    assert codes(vault(accessPolicies=many[:900]), Thresholds(max_principals=5000)) == []


def test_many_principals_threshold():
    shared = [policy(f"00000000-0000-0000-0000-{i:012d}") for i in range(26)]
    assert codes(vault(accessPolicies=shared)) == ["KVA301"]
    assert codes(vault(accessPolicies=shared[:25])) == []
    assert codes(vault(accessPolicies=shared[:3]), Thresholds(max_principals=2)) == ["KVA301"]


def test_retention_threshold():
    assert codes(vault(softDeleteRetentionInDays=30), Thresholds(min_retention_days=30)) == []
    assert codes(vault(softDeleteRetentionInDays=29), Thresholds(min_retention_days=30)) == [
        "KVA403"
    ]


def test_tenant_mismatch_needs_a_known_subscription_tenant():
    assert codes(vault()) == []
    assert codes(vault(), subscription_tenant=OTHER_TENANT) == ["KVA102"]
    assert codes(vault(), subscription_tenant=TENANT.upper()) == []


def test_audit_logging_only_when_diagnostics_were_read():
    from dataclasses import replace

    from tests.audit_data import diagnostic

    view = normalize(vault())
    run = lambda v: [f.code for f in checks.run(v, Thresholds())]  # noqa: E731
    assert run(view) == []  # not fetched: silent
    assert run(replace(view, diagnostics=())) == ["KVA404"]
    assert run(replace(view, diagnostics=(diagnostic(category="AuditEvent", enabled=True),))) == []
    assert (
        run(replace(view, diagnostics=(diagnostic(categoryGroup="allLogs", enabled=True),))) == []
    )
    disabled = diagnostic(category="AuditEvent", enabled=False)
    other = diagnostic(category="AzurePolicyEvaluationDetails", enabled=True)
    assert run(replace(view, diagnostics=(disabled, other))) == ["KVA404"]


def test_messages_name_the_offending_entry():
    found = checks.run(
        normalize(vault(accessPolicies=[policy(OTHER, tenant=OTHER_TENANT)])), Thresholds()
    )
    kva101 = next(f for f in found if f.code == "KVA101")
    assert OTHER in kva101.message and OTHER_TENANT in kva101.message
    assert kva101.severity == catalog.get("KVA101").severity == "error"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.pop("properties"), "no properties"),
        (
            lambda d: d.update(type="Microsoft.Storage/storageAccounts"),
            "not Microsoft.KeyVault/vaults",
        ),
        (
            lambda d: d["properties"].update(accessPolicies={"a": 1}),
            "accessPolicies must be a list",
        ),
        (
            lambda d: d["properties"].update(enableSoftDelete="yes"),
            "enableSoftDelete must be true or",
        ),
        (
            lambda d: d["properties"]["accessPolicies"][0].update(permissions={"secrets": "get"}),
            "permissions.secrets must be a list",
        ),
        (lambda d: d["properties"].update(networkAcls=[]), "networkAcls must be an object"),
        (lambda d: d.pop("id"), "id and name are required"),
    ],
)
def test_malformed_documents_are_explained(mutate, reason):
    doc = vault()
    mutate(doc)
    with pytest.raises(MalformedVault, match=reason):
        normalize(doc)
