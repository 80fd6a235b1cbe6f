"""Infrastructure code before it is deployed: ARM templates, compiled Bicep, Terraform plans.
The same KVA checks; unresolved values are unknown (their checks stay silent); findings point
at the file and the resource's line, in JSON and as SARIF physical locations."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kvlint import cli
from tests.audit_data import APP
from tests.conftest import ROOT
from tests.iac_data import ARM_TEMPLATE, BICEP_BUILD, PLAN, line_of, template_text


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = cli.main(["audit", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def codes(report: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in report["findings"]:
        found.setdefault(item["vault"], []).append(item["code"])
    return {name: sorted(c) for name, c in found.items()}


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "azuredeploy.json"
    path.write_text(template_text(ARM_TEMPLATE))
    return path


def test_an_arm_template_is_audited_before_deployment(capsys, template):
    code, report = run(capsys, "--input", str(template))
    assert report["errors"] == [] and code == 1
    assert report["vaults_audited"] == 3  # the premium-only vault's condition is false
    assert codes(report) == {
        # accessPolicies name a parameter without default: KVA204 (secrets/all) stays silent
        "kv-quickstart": ["KVA211", "KVA402"],
        # publicNetworkAccess is a parameter: no firewall verdict; the child connection is read
        "kv-quickstart-app": ["KVA219"],
        # a manual private endpoint connection is Pending until someone approves it
        "kv-quickstart-locked": ["KVA212", "KVA219"],
    }


def test_findings_point_at_the_file_and_the_resource_line(capsys, template):
    _, report = run(capsys, "--input", str(template))
    text = template.read_text()
    first = next(f for f in report["findings"] if f["vault"] == "kv-quickstart")
    assert first["location"]["path"] == str(template)
    assert first["location"]["line"] == line_of(text, '"name": "[parameters(\'keyVaultName\')]"')
    locked = next(f for f in report["findings"] if f["vault"] == "kv-quickstart-locked")
    assert locked["location"]["line"] == line_of(text, '"name": "[variables(\'lockedVault\')]"')


def test_sarif_carries_physical_locations(capsys, template, monkeypatch):
    monkeypatch.chdir(template.parent)
    cli.main(["audit", "--input", template.name, "--format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    results = log["runs"][0]["results"]
    assert results
    for result in results:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "azuredeploy.json"
        assert physical["region"]["startLine"] > 1


def test_compiled_bicep_on_stdin(template):
    """`az bicep build --stdout main.bicep | kvlint audit --input -` (languageVersion 2.0)."""
    done = subprocess.run(
        [sys.executable, "-m", "kvlint", "audit", "--input", "-", "--format", "json"],
        input=template_text(BICEP_BUILD),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stdout)
    assert codes(report) == {"kv-bicep": ["KVA215", "KVA403"]}  # "kv-shared" is existing
    assert all(
        f["location"]["path"] == "-" and f["location"]["line"] > 1 for f in report["findings"]
    )


def test_unresolved_network_makes_reachability_unverified(capsys, template):
    _, report = run(
        capsys,
        "--input",
        str(template),
        "--principal",
        APP,
        "--ip",
        "203.0.113.9",
        "--vault",
        "kv-quickstart-app",
    )
    verdicts = {f["code"]: f["message"] for f in report["findings"]}
    assert "publicNetworkAccess unresolved" in verdicts["KVA507"]
    assert "KVA501" not in verdicts


def test_nested_deployment_and_unknown_properties(capsys, tmp_path):
    inner = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "nested",
        "properties": {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {"vaultName": {"value": "kv-nested"}},
            "template": {
                "$schema": ARM_TEMPLATE["$schema"],
                "contentVersion": "1.0.0.0",
                "parameters": {"vaultName": {"type": "string"}},
                "resources": [
                    {
                        "type": "Microsoft.KeyVault/vaults",
                        "apiVersion": "2023-07-01",
                        "name": "[parameters('vaultName')]",
                        "location": "westeurope",
                        "properties": "[variables('notThere')]",
                    }
                ],
            },
        },
    }
    template = {
        "$schema": ARM_TEMPLATE["$schema"],
        "contentVersion": "1.0.0.0",
        "resources": [inner],
    }
    path = tmp_path / "nested.json"
    path.write_text(template_text(template))
    code, report = run(capsys, "--input", str(path))
    assert (code, report["vaults_audited"], report["findings"]) == (0, 1, [])  # all unknown


def test_a_terraform_plan_is_audited(capsys, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN, indent=2))
    code, report = run(capsys, "--input", str(path))
    assert report["errors"] == [] and code == 1
    assert report["vaults_audited"] == 2  # kv-gone is being destroyed
    assert codes(report) == {"kv-tf-open": ["KVA204", "KVA211", "KVA402"]}  # never KVA401
    kva204 = next(f for f in report["findings"] if f["code"] == "KVA204")
    assert "secrets/purge" in kva204["message"]
    assert kva204["location"]["line"] == line_of(
        path.read_text(), '"address": "azurerm_key_vault.open"'
    )


def test_terraform_linked_resources_count(capsys, tmp_path):
    """The separate access policy belongs to kv-tf-open (configuration references): with it the
    vault has two principals; the private endpoint of kv-tf-rbac has no status before apply, so
    KVA212 stays silent although public access is disabled."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN))
    _, report = run(
        capsys,
        "--input",
        str(path),
        "--principal",
        "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70",
        "--ip",
        "203.0.113.9",
        "--vault",
        "kv-tf-open",
    )
    assert codes(report) == {"kv-tf-open": ["KVA204", "KVA211", "KVA402"]}  # the caller gets in
    assert codes(run(capsys, "--input", str(path), "--vault", "kv-tf-rbac")[1]) == {}


def test_rbac_flag_under_either_attribute_name(capsys, tmp_path):
    for attribute in ("enable_rbac_authorization", "rbac_authorization_enabled"):
        plan = json.loads(json.dumps(PLAN))
        after = plan["resource_changes"][1]["change"]["after"]
        after.pop("rbac_authorization_enabled")
        after[attribute] = True
        after["access_policy"] = [
            PLAN["resource_changes"][0]["change"]["after"]["access_policy"][0]
        ]
        path = tmp_path / f"{attribute}.json"
        path.write_text(json.dumps(plan))
        _, report = run(capsys, "--input", str(path), "--vault", "kv-tf-rbac")
        assert codes(report) == {"kv-tf-rbac": ["KVA202", "KVA204"]}, attribute
