"""``kvlint audit --input``: the encodings and export shapes users really hand it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kvlint import cli
from tests.audit_data import vault
from tests.conftest import ROOT

OPEN = vault("kv-open", networkAcls=None)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def codes(text: str) -> list[tuple[str, str]]:
    return [(f["vault"], f["code"]) for f in json.loads(text)["findings"]]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]
)
def test_windows_encodings_are_read(capsys, tmp_path, encoding):
    """PowerShell 5's ``>`` writes UTF-16 LE with a BOM; Out-File -Encoding utf8 adds a BOM."""
    path = tmp_path / "v.json"
    text = json.dumps([OPEN], indent=2)
    path.write_bytes(text.encode(encoding))
    code, out, err = run(capsys, "--input", str(path), "--format", "json")
    assert code == 1, err
    assert codes(out) == [("kv-open", "KVA211")]


@pytest.mark.parametrize(
    "raw", [b"\xff\xfe[\x00{\x00\x00\xd8", b'[{"name": "caf\xe9"}]', b"\xef\xbb\xbf\xff\xfe"]
)
def test_undecodable_input_is_one_clear_line(capsys, tmp_path, raw):
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    code, out, err = run(capsys, "--input", str(path))
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert line.startswith(f"kvlint: error: {path}: not UTF-")
    assert "undecodable byte 0x" in line and "export the JSON as UTF-8 or UTF-16" in line


def test_utf16_on_stdin(tmp_path):
    data = ("\ufeff" + json.dumps([OPEN])).encode("utf-16-le")
    done = subprocess.run(
        [sys.executable, "-m", "kvlint", "audit", "--input", "-", "--format", "json"],
        input=data,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert codes(done.stdout.decode()) == [("kv-open", "KVA211")]


# -- RBAC verdicts offline, from the exports users make ------------------------------------------

from tests.audit_data import (  # noqa: E402
    APP,
    OWNER_ID,
    SECRETS_USER_ID,
    SUB_A,
    az_show_private_endpoint,
    graph_row,
    policy,
    powershell_vault,
    private_endpoint,
    role_assignment_az,
    role_assignment_graph,
    role_assignment_rest,
    role_definition_az,
)

RBAC_VAULT = vault("kv-rbac", enableRbacAuthorization=True, accessPolicies=[])
RG = f"/subscriptions/{SUB_A}/resourceGroups/app"
CALLER = ("--principal", APP, "--ip", "203.0.113.7")
CUSTOM_ID = "5b7c3f3e-0000-4000-8000-00000000c0de"
GROUP = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return str(path)


def verdicts(capsys, tmp_path, *files: object, extra: tuple[str, ...] = ()) -> dict[str, str]:
    argv = []
    for index, data in enumerate(files):
        argv += ["--input", write(tmp_path, f"in{index}.json", data)]
    code, out, err = run(capsys, *argv, *CALLER, *extra, "--format", "json")
    assert code in (0, 1), err
    return {f["code"]: f["message"] for f in json.loads(out)["findings"]}


@pytest.mark.parametrize("shape", ["az", "rest-page", "graph-rows", "graph-response"])
def test_role_assignments_in_every_export_shape_decide(capsys, tmp_path, shape):
    granting = {
        "az": [role_assignment_az(RG, SECRETS_USER_ID, "Key Vault Secrets User")],
        "rest-page": {"value": [role_assignment_rest(RG, SECRETS_USER_ID)]},
        "graph-rows": [role_assignment_graph(RG, SECRETS_USER_ID)],
        "graph-response": {
            "totalRecords": 1,
            "count": 1,
            "data": [role_assignment_graph(RG, SECRETS_USER_ID)],
        },
    }[shape]
    assert verdicts(capsys, tmp_path, [RBAC_VAULT], granting) == {}
    refusing = [role_assignment_az(f"/subscriptions/{SUB_A}", OWNER_ID, "Owner")]
    found = verdicts(capsys, tmp_path, [RBAC_VAULT], refusing)
    assert list(found) == ["KVA506"]
    assert "(1 role assignment, roles: Owner)" in found["KVA506"]
    assert '"Key Vault Secrets User" at the vault would grant it' in found["KVA506"]


def test_one_file_may_mix_vaults_assignments_and_definitions(capsys, tmp_path):
    custom = role_definition_az(
        CUSTOM_ID,
        "Secret lister",
        ["Microsoft.KeyVault/vaults/secrets/*"],
        not_data_actions=["Microsoft.KeyVault/vaults/secrets/getSecret/action"],
    )
    mixed = [RBAC_VAULT, role_assignment_az(RG, CUSTOM_ID, "Secret lister"), custom]
    assert list(verdicts(capsys, tmp_path, mixed)) == ["KVA506"]  # notDataActions
    listing = verdicts(capsys, tmp_path, mixed, extra=("--permission", "secrets/list"))
    assert listing == {}
    without_definition = verdicts(capsys, tmp_path, mixed[:2])
    assert "definition of role(s) Secret lister was not given" in without_definition["KVA505"]


def test_groups_and_items(capsys, tmp_path):
    by_group = [role_assignment_az(RG, SECRETS_USER_ID, "Key Vault Secrets User", GROUP, "Group")]
    unsure = verdicts(capsys, tmp_path, [RBAC_VAULT], by_group)
    assert f"group(s) {GROUP} hold a role" in unsure["KVA505"]
    assert verdicts(capsys, tmp_path, [RBAC_VAULT], by_group, extra=("--group", GROUP)) == {}
    item = RBAC_VAULT["id"] + "/secrets/db-password"
    on_item = [role_assignment_az(item, SECRETS_USER_ID, "Key Vault Secrets User")]
    assert "--item" in verdicts(capsys, tmp_path, [RBAC_VAULT], on_item)["KVA505"]
    named = ("--item", "db-password")
    assert verdicts(capsys, tmp_path, [RBAC_VAULT], on_item, extra=named) == {}
    assert list(verdicts(capsys, tmp_path, [RBAC_VAULT], on_item, extra=("--item", "x"))) == [
        "KVA506"
    ]


def test_an_abac_condition_is_unverified(capsys, tmp_path):
    conditional = role_assignment_rest(
        RG,
        SECRETS_USER_ID,
        condition="@Resource[Microsoft.KeyVault/vaults/secrets:name] StringEquals 'db'",
    )
    found = verdicts(capsys, tmp_path, [RBAC_VAULT], {"value": [conditional]})
    assert "conditional (ABAC)" in found["KVA505"]


def test_without_an_export_rbac_stays_unverified(capsys, tmp_path):
    found = verdicts(capsys, tmp_path, [RBAC_VAULT])
    assert "not checked (offline input without an export of them)" in found["KVA505"]


# -- network decisions ----------------------------------------------------------------------------


def test_az_keyvault_show_private_endpoints_without_properties(capsys, tmp_path):
    locked = vault(
        "kv-private",
        publicNetworkAccess="Disabled",
        privateEndpointConnections=[az_show_private_endpoint("Approved")],
    )
    path = write(tmp_path, "show.json", locked)
    code, out, _ = run(capsys, "--input", path, "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, [])  # no false KVA219 / KVA212
    code, out, _ = run(capsys, "--input", path, "--principal", APP, "--ip", "10.1.2.3")
    assert code == 0, out  # a private caller comes through the Approved endpoint
    pending = vault("kv-pending", privateEndpointConnections=[az_show_private_endpoint("Pending")])
    unknown = vault(
        "kv-unknown",
        publicNetworkAccess="Disabled",
        privateEndpointConnections=[az_show_private_endpoint(None)],
    )
    path = write(tmp_path, "more.json", [pending, unknown])
    code, out, _ = run(capsys, "--input", path, "--format", "json")
    assert [(f["vault"], f["code"]) for f in json.loads(out)["findings"]] == [
        ("kv-pending", "KVA219")  # kv-unknown: no status, so no KVA219 and no KVA212 either
    ]
    code, out, _ = run(
        capsys,
        "--input",
        path,
        "--principal",
        APP,
        "--ip",
        "10.1.2.3",
        "--vault",
        "kv-unknown",
        "--format",
        "json",
    )
    (found,) = json.loads(out)["findings"]
    assert found["code"] == "KVA507" and "not in the input" in found["message"]


def test_arm_shape_private_endpoints_still_read(capsys, tmp_path):
    path = write(
        tmp_path, "arm.json", vault(privateEndpointConnections=[private_endpoint("Rejected")])
    )
    _code, out, _ = run(capsys, "--input", path, "--format", "json")
    assert [f["code"] for f in json.loads(out)["findings"]] == ["KVA219"]


def test_kva212_says_trusted_services_still_pass(capsys, tmp_path):
    closed = vault("kv-closed", publicNetworkAccess="Disabled")
    sealed = vault(
        "kv-sealed",
        publicNetworkAccess="Disabled",
        networkAcls={"defaultAction": "Deny", "bypass": "None", "ipRules": []},
    )
    _code, out, _ = run(
        capsys, "--input", write(tmp_path, "v.json", [closed, sealed]), "--format", "json"
    )
    messages = {
        f["vault"]: f["message"] for f in json.loads(out)["findings"] if f["code"] == "KVA212"
    }
    assert (
        "trusted Microsoft services still pass (networkAcls.bypass is AzureServices)"
        in messages["kv-closed"]
    )
    assert "not even trusted Microsoft services pass" in messages["kv-sealed"]


def test_secured_by_perimeter_is_never_allowed_by_an_ip_rule(capsys, tmp_path):
    perimeter = vault("kv-nsp", publicNetworkAccess="SecuredByPerimeter")
    path = write(tmp_path, "nsp.json", [perimeter])
    code, out, _ = run(capsys, "--input", path, "--format", "json")
    assert json.loads(out)["findings"] == []  # the firewall checks do not apply
    inside_rule = "203.0.113.5"  # matches the vault's own 203.0.113.0/28 rule
    code, out, _ = run(
        capsys, "--input", path, "--principal", APP, "--ip", inside_rule, "--format", "json"
    )
    (found,) = json.loads(out)["findings"]
    assert found["code"] == "KVA507" and "SecuredByPerimeter" in found["message"]
    assert code == 1


# -- other export shapes and clear errors ---------------------------------------------------------


def test_powershell_get_azkeyvault_convertto_json(capsys, tmp_path):
    docs = [
        powershell_vault(vault("kv-ps-open", networkAcls=None)),
        powershell_vault(vault("kv-ps-lister", accessPolicies=[policy(secrets=("list",))])),
    ]
    path = tmp_path / "ps.json"
    path.write_bytes(json.dumps(docs, indent=4).encode("utf-16"))  # Windows PowerShell's >
    code, out, err = run(
        capsys, "--input", str(path), "--principal", APP, "--ip", "203.0.113.5", "--format", "json"
    )
    assert code == 1, err
    found = [(f["vault"], f["code"]) for f in json.loads(out)["findings"]]
    assert found == [("kv-ps-lister", "KVA503"), ("kv-ps-open", "KVA211")]


def test_powershell_default_depth_is_a_clear_error(capsys, tmp_path):
    doc = powershell_vault(vault("kv-shallow"), depth_two=True)
    code, out, _ = run(capsys, "--input", write(tmp_path, "ps.json", doc), "--format", "json")
    (error,) = json.loads(out)["errors"]
    assert "ConvertTo-Json -Depth 5" in error["message"] and code == 1


def test_search_azgraph_data(capsys, tmp_path):
    data = {"Data": [graph_row(vault("kv-g", networkAcls=None))], "Count": 1, "SkipToken": None}
    _code, out, _ = run(capsys, "--input", write(tmp_path, "g.json", data), "--format", "json")
    assert [f["code"] for f in json.loads(out)["findings"]] == ["KVA211"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"parameters": {}, "responses": {"200": {"body": vault()}}},
            "found responses.200.body: this is a REST API example",
        ),
        (
            {"format_version": "1.0", "terraform_version": "1.9.0", "values": {}},
            "found Terraform JSON that is not a plan",
        ),
        ({"foo": 1, "bar": [2]}, "found an object with keys bar, foo; expected vaults"),
        ("just text", "found a JSON str; expected vaults"),
    ],
)
def test_an_unsupported_shape_names_what_was_found(capsys, tmp_path, data, message):
    code, out, err = run(capsys, "--input", write(tmp_path, "x.json", data))
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert message in line, line


def test_inputs_are_repeatable_and_a_vault_in_two_files_counts_once(capsys, tmp_path):
    one = write(tmp_path, "a.json", [vault("kv-a"), vault("kv-b", networkAcls=None)])
    two = write(tmp_path, "b.json", {"value": [vault("kv-b", networkAcls=None)]})
    _code, out, _ = run(capsys, "--input", one, "--input", two, "--format", "json")
    report = json.loads(out)
    assert report["vaults_audited"] == 2
    assert [f["code"] for f in report["findings"]] == ["KVA211"]


# -- network security perimeters ------------------------------------------------------------------

from tests.audit_data import SUB_B, nsp_association, nsp_rule  # noqa: E402

NSP_VAULT = vault(
    "kv-nsp",
    publicNetworkAccess="SecuredByPerimeter",
    networkAcls={
        "defaultAction": "Deny",
        "bypass": "AzureServices",
        "ipRules": [{"value": "198.51.100.0/24"}],
    },
)


def nsp_verdict(capsys, tmp_path, ip: str, *docs: dict) -> list[tuple[str, str]]:
    path = write(tmp_path, "nsp.json", [NSP_VAULT, *docs])
    _, out, err = run(capsys, "--input", path, "--principal", APP, "--ip", ip, "--format", "json")
    report = json.loads(out)
    assert report["errors"] == [], err
    return [(f["code"], f["message"]) for f in report["findings"]]


def test_perimeter_rules_decide_when_given(capsys, tmp_path):
    enforced = nsp_association(NSP_VAULT["id"])
    office = nsp_rule("office", prefixes=["203.0.113.0/24"])
    assert nsp_verdict(capsys, tmp_path, "203.0.113.9", enforced, office) == []
    # the vault's own IP rule admits 198.51.100.7, the perimeter does not: refused
    ((code, message),) = nsp_verdict(capsys, tmp_path, "198.51.100.7", enforced, office)
    assert code == "KVA501" and "network security perimeter refuses" in message
    by_subscription = nsp_rule("partners", subscriptions=[SUB_B])
    ((code, message),) = nsp_verdict(
        capsys, tmp_path, "198.51.100.7", enforced, office, by_subscription
    )
    assert code == "KVA507" and "partners" in message
    outbound = nsp_rule("egress", prefixes=["198.51.100.0/24"], direction="Outbound")
    assert nsp_verdict(capsys, tmp_path, "198.51.100.7", enforced, outbound)[0][0] == "KVA501"


def test_perimeter_learning_mode_falls_back_to_the_vault_firewall(capsys, tmp_path):
    learning = nsp_association(NSP_VAULT["id"], mode="Learning")
    assert nsp_verdict(capsys, tmp_path, "198.51.100.7", learning) == []  # vault IP rule
    ((code, message),) = nsp_verdict(capsys, tmp_path, "192.0.2.1", learning)
    assert code == "KVA501" and "Learning (transition) mode" in message


def test_perimeter_without_its_association_stays_unverified(capsys, tmp_path):
    other = nsp_association(vault("kv-other")["id"])
    ((code, message),) = nsp_verdict(capsys, tmp_path, "198.51.100.7", other)
    assert code == "KVA507" and "--input" in message


# Issue 23 item 11: the built-in roles of Microsoft's built-in roles page that matter to Key Vault
# (role-definition GUIDs from learn.microsoft.com/azure/role-based-access-control/built-in-roles)
BUILTIN_IDS = {
    "Owner": "8e3af657-a8ff-4c61-a3a5-6d8ad3b09d4e",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c6a72d9d",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Key Vault Reader": "21090545-7ca7-4776-b22c-e363652d74d2",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Key Vault Crypto Service Release User": "08bbd89e-9f13-488c-ac41-acfcb10c90ab",
    "Key Vault Certificates Officer": "a4417e6f-fecd-4de8-b567-7b0420556985",
    "Key Vault Certificate User": "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
    "Key Vault Contributor": "f25e0fa2-a7c8-4377-a976-54943a77a395",
    "Key Vault Data Access Administrator": "8b54135c-b56d-4d72-a534-26097cfdc8d8",
    "Managed HSM contributor": "18500a29-7fe2-46b2-a342-b16a415e101d",
}


def test_every_key_vault_builtin_role_is_known_with_its_actions():
    from kvlint.audit import roles

    assert {r.name: r.id for r in roles.BUILTIN_ROLES} == BUILTIN_IDS
    get = {r.name: r for r in roles.BUILTIN_ROLES}
    kv = "Microsoft.KeyVault/vaults/"
    assert get["Key Vault Secrets User"].allows(kv + "secrets/getSecret/action")
    assert not get["Key Vault Reader"].allows(kv + "secrets/getSecret/action")
    assert get["Key Vault Reader"].allows(kv + "keys/read")
    assert get["Key Vault Crypto Officer"].allows(kv + "keyrotationpolicies/write")
    for control_only in (
        "Owner",
        "Contributor",
        "Key Vault Contributor",
        "User Access Administrator",
    ):
        assert not get[control_only].data_actions
    assert get["Owner"].allows_control("Microsoft.KeyVault/vaults/write")
    assert get["Owner"].can_assign_roles and get["User Access Administrator"].can_assign_roles
    assert get["Key Vault Data Access Administrator"].can_assign_roles
    assert not get["Contributor"].can_assign_roles  # notActions Microsoft.Authorization/*/Write
    assert get["Contributor"].allows_control("Microsoft.KeyVault/vaults/write")
    assert not get["Key Vault Contributor"].allows_control(
        "Microsoft.KeyVault/locations/deletedVaults/purge/action"
    )
    assert not get["Reader"].allows_control("Microsoft.KeyVault/vaults/write")
    assert "a290e904-7015-4bba-90c8-60543313cdb4" in roles.HSM_LOCAL_ROLES


@pytest.mark.parametrize("shape", ["az", "rest", "graph", "with-definitions"])
def test_owner_at_the_subscription_is_a_definite_refusal(capsys, tmp_path, shape):
    """Owner is the common "I'm Owner, why 403?": it is known, grants no data action, and may
    assign one (KVA506 says so), whatever the export's shape."""
    scope = f"/subscriptions/{SUB_A}"
    assignment = {
        "az": role_assignment_az(scope, OWNER_ID, "Owner", kind="User"),
        "rest": role_assignment_rest(scope, OWNER_ID, kind="User"),
        "graph": role_assignment_graph(scope, OWNER_ID),
        "with-definitions": role_assignment_az(scope, OWNER_ID, "Owner", kind="User"),
    }[shape]
    files: list = [[RBAC_VAULT], [assignment]]
    if shape == "with-definitions":
        owner = role_definition_az(OWNER_ID, "Owner", [])
        owner["roleType"] = "BuiltInRole"
        owner["permissions"][0]["actions"] = ["*"]
        files.append([owner])
    found = verdicts(capsys, tmp_path, *files)
    assert list(found) == ["KVA506"], found
    assert "(1 role assignment, roles: Owner)" in found["KVA506"]
    assert "Owner may create role assignments" in found["KVA506"]


# Issue 23 item 10: deny assignments are read and applied; deny wins


def deny_rest(
    scope: str,
    data_actions: list[str],
    principals: list[dict] | None = None,
    *,
    exclude: list[dict] | None = None,
    not_data_actions: list[str] | None = None,
    children: bool = True,
    name: str = "Deny secret reads",
) -> dict:
    """One item of the ARM REST page of deny assignments (api-version 2022-04-01)."""
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/denyAssignments/9f1e2d3c-0000-4000-8000-00000000d0e1",
        "name": "9f1e2d3c-0000-4000-8000-00000000d0e1",
        "type": "Microsoft.Authorization/denyAssignments",
        "properties": {
            "denyAssignmentName": name,
            "description": "created by a managed application",
            "permissions": [
                {
                    "actions": [],
                    "notActions": [],
                    "dataActions": data_actions,
                    "notDataActions": not_data_actions or [],
                }
            ],
            "scope": scope,
            "doNotApplyToChildScopes": not children,
            "principals": principals
            if principals is not None
            else [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
            "excludePrincipals": exclude or [],
            "isSystemProtected": True,
        },
    }


GET_SECRET = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
GRANT = [role_assignment_az(RBAC_VAULT["id"], SECRETS_USER_ID, "Key Vault Secrets User")]


@pytest.mark.parametrize(
    ("deny", "extra", "expected"),
    [
        (deny_rest(RG, [GET_SECRET]), (), "KVA506"),  # Everyone, at the resource group
        (deny_rest(RG, ["Microsoft.KeyVault/vaults/*"]), (), "KVA506"),  # a wildcard
        (deny_rest(RG, [GET_SECRET], exclude=[{"id": APP, "type": "ServicePrincipal"}]), (), None),
        (
            deny_rest(RG, ["Microsoft.KeyVault/vaults/*"], not_data_actions=[GET_SECRET]),
            (),
            None,
        ),
        (deny_rest(RG, [GET_SECRET], children=False), (), None),  # the RG only, not the vault
        (deny_rest(RG, ["Microsoft.KeyVault/vaults/keys/*"]), (), None),  # another action
        (deny_rest(RG, [GET_SECRET], [{"id": APP, "type": "ServicePrincipal"}]), (), "KVA506"),
        (deny_rest(RG, [GET_SECRET], [{"id": CUSTOM_ID, "type": "User"}]), (), None),
        (deny_rest(RG, [GET_SECRET], [{"id": GROUP, "type": "Group"}]), (), "KVA505"),
        (
            deny_rest(RG, [GET_SECRET], [{"id": GROUP, "type": "Group"}]),
            ("--group", GROUP),
            "KVA506",
        ),
        (deny_rest(RG, [GET_SECRET], exclude=[{"id": GROUP, "type": "Group"}]), (), "KVA505"),
        (
            deny_rest(RG, [GET_SECRET], exclude=[{"id": GROUP, "type": "Group"}]),
            ("--group", GROUP),
            None,
        ),
    ],
)
def test_deny_assignments_win(capsys, tmp_path, deny, extra, expected):
    found = verdicts(capsys, tmp_path, [RBAC_VAULT], GRANT, {"value": [deny]}, extra=extra)
    assert list(found) == ([expected] if expected else []), found
    if expected == "KVA506":
        assert "deny assignment 'Deny secret reads' at " in found["KVA506"]
        assert "wins over every role assignment" in found["KVA506"]


def test_deny_assignments_from_resource_graph_rows(capsys, tmp_path):
    row = deny_rest(RG, [GET_SECRET])
    row = {**row, "type": "microsoft.authorization/denyassignments", "tenantId": SUB_A}
    found = verdicts(capsys, tmp_path, [RBAC_VAULT], GRANT, {"data": [row], "count": 1})
    assert list(found) == ["KVA506"]


def test_an_allowed_verdict_says_when_deny_assignments_were_not_read(capsys, tmp_path):
    argv = ["--input", write(tmp_path, "v.json", [RBAC_VAULT])]
    argv += ["--input", write(tmp_path, "a.json", GRANT)]
    code, out, _ = run(capsys, *argv, *CALLER, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["findings"] == [] and report["reachability"]["allowed"] == ["kv-rbac"]
    caveat = report["reachability"]["caveats"]["kv-rbac"]
    assert "deny assignments were not given" in caveat
    _, out, _ = run(capsys, *argv, *CALLER)
    assert "as far as role assignments go: deny assignments were not given" in out
    other = deny_rest(RG, ["Microsoft.KeyVault/vaults/keys/*"])  # read; none refuses this
    argv += ["--input", write(tmp_path, "d.json", {"value": [other]})]
    _, out, _ = run(capsys, *argv, *CALLER, "--format", "json")
    assert json.loads(out)["reachability"]["caveats"] == {}
