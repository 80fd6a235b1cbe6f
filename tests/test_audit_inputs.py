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
    assert "(roles: Owner)" in found["KVA506"]
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
