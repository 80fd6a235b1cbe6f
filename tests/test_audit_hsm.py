"""Managed HSMs are audited, live (azure-mgmt-keyvault's managed_hsms operations against the
HTTPS stub) and from --input, with checks of their own (KVA6xx)."""

from __future__ import annotations

import json

import pytest

from kvlint import cli
from tests.arm_stub import Reply, assert_read_only, audit, by_vault, diag_path, error, list_path
from tests.audit_data import (
    APP,
    SUB_A,
    SUB_B,
    diagnostic,
    managed_hsm,
    private_endpoint,
    vault,
)


def hsm_list(sub: str, rg: str | None = None) -> str:
    middle = f"/resourceGroups/{rg}" if rg else ""
    return f"/subscriptions/{sub}{middle}/providers/Microsoft.KeyVault/managedHSMs"


CASES = [
    ("clean", {}, []),
    ("open", {"networkAcls": None}, ["KVA601"]),
    ("allow", {"networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"}}, ["KVA601"]),
    ("closed", {"publicNetworkAccess": "Disabled"}, ["KVA602"]),
    (
        "closed-with-endpoint",
        {"publicNetworkAccess": "Disabled", "privateEndpointConnections": [private_endpoint()]},
        [],
    ),
    ("pending", {"privateEndpointConnections": [private_endpoint("Pending")]}, ["KVA603"]),
    ("no-purge-protection", {"enablePurgeProtection": False}, ["KVA604"]),
    ("short-retention", {"softDeleteRetentionInDays": 7}, ["KVA605"]),
    ("perimeter", {"publicNetworkAccess": "SecuredByPerimeter", "networkAcls": None}, []),
]


@pytest.mark.parametrize(("name", "props", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hsm_checks_from_input(capsys, tmp_path, name, props, expected):
    path = tmp_path / "hsm.json"
    path.write_text(json.dumps([managed_hsm(f"hsm-{name}", **props)]))
    code = cli.main(["audit", "--input", str(path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == [] and report["vaults_audited"] == 1
    assert [f["code"] for f in report["findings"]] == expected
    assert code == (1 if set(expected) - {"KVA605"} else 0)  # KVA605 is info


def test_vault_checks_never_fire_on_an_hsm(capsys, tmp_path):
    """No access policies, no enabledFor*, soft delete always on: no KVA201/KVA401/KVA213."""
    path = tmp_path / "hsm.json"
    path.write_text(json.dumps({"value": [managed_hsm(enableSoftDelete=None)]}))
    assert cli.main(["audit", "--input", str(path), "--format", "json"]) == 0


def test_reachability_says_local_rbac_is_not_checked(capsys, tmp_path):
    path = tmp_path / "hsm.json"
    path.write_text(json.dumps([managed_hsm()]))
    cli.main(
        [
            "audit",
            "--input",
            str(path),
            "--principal",
            APP,
            "--ip",
            "198.51.100.9",
            "--format",
            "json",
        ]
    )
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [f["code"] for f in found] == ["KVA501", "KVA505"]
    assert "local RBAC" in found[1]["message"] and "not" in found[1]["message"]


def test_live_managed_hsms_through_the_sdk(stub, tmp_path):
    stub.add("GET", list_path(SUB_A), Reply(body={"value": [vault("kv-a")]}))
    stub.add("GET", diag_path(vault("kv-a")), Reply(body={"value": [diagnostic()]}))
    stub.add(
        "GET",
        hsm_list(SUB_A),
        Reply(
            body={
                "value": [managed_hsm("hsm-open", networkAcls=None)],
                "nextLink": f"{stub.url}{hsm_list(SUB_A)}?api-version=2026-05-15&$skiptoken=Mg",
            }
        ),
        Reply(body={"value": [managed_hsm("hsm-short", softDeleteRetentionInDays=7)]}),
    )
    stub.add("GET", list_path(SUB_B), Reply(body={"value": []}))
    stub.add("GET", hsm_list(SUB_B), error(403, "AuthorizationFailed", "no read on HSMs"))
    code, report = audit(stub, tmp_path, "--subscription", SUB_A, "--subscription", SUB_B)
    assert by_vault(report) == {"hsm-open": ["KVA601"], "hsm-short": ["KVA605"]}
    assert report["vaults_audited"] == 3 and code == 1
    assert [(e["scope"], e["status"]) for e in report["errors"]] == [
        (f"/subscriptions/{SUB_B} (managed HSMs)", 403)
    ]
    assert len(stub.seen("GET", hsm_list(SUB_A))) == 2  # followed the nextLink
    assert_read_only(stub)


def test_a_named_hsm_is_found_by_name(stub, tmp_path):
    missing = error(404, "ResourceNotFound", "The Resource was not found.")
    stub.add("GET", list_path(SUB_A, "keys") + "/hsm-one", missing)
    stub.add("GET", hsm_list(SUB_A, "keys"), Reply(body={"value": [managed_hsm("hsm-one")]}))
    code, report = audit(
        stub,
        tmp_path,
        "--subscription",
        SUB_A,
        "--resource-group",
        "keys",
        "--vault",
        "hsm-one",
        "--no-diagnostics",
    )
    assert (code, report) == (0, {"findings": [], "errors": [], "vaults_audited": 1})
    code, report = audit(
        stub,
        tmp_path,
        "--subscription",
        SUB_A,
        "--resource-group",
        "keys",
        "--vault",
        "nothing",
        "--no-diagnostics",
    )
    assert [e["status"] for e in report["errors"]] == [404]
