"""Infrastructure code read as written: Terraform source (.tf), what a plan carries only in
planned_values, network security perimeter resources, ARM parameters files."""

from __future__ import annotations

import json

import pytest

from kvlint import cli
from tests.audit_data import APP, TENANT
from tests.iac_data import ARM_TEMPLATE, PLAN, template_text


def audit(capsys, *argv: str) -> tuple[int, dict, str]:
    code = cli.main(["audit", *argv, "--format", "json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out else {}), captured.err


def codes(report: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in report["findings"]:
        found.setdefault(item["vault"], []).append(item["code"])
    return {name: sorted(c) for name, c in found.items()}


OPEN_VAULT = """\
variable "env" {
  default = "dev"
}

locals {
  name = "kv-${var.env}-app"
}

resource "azurerm_key_vault" "main" {
  name                = local.name
  location            = "westeurope"
  resource_group_name = "rg-app"
  tenant_id           = "TENANT"
  sku_name            = "standard"

  network_acls {
    default_action = "Allow"
    bypass         = "AzureServices"
  }
}
""".replace("TENANT", TENANT)


# -- Terraform source ------------------------------------------------------------------------


def test_tf_source_resolves_variables_and_locals(capsys, tmp_path):
    (tmp_path / "main.tf").write_text(OPEN_VAULT)
    code, report, _ = audit(capsys, "--input", str(tmp_path / "main.tf"))
    assert code == 1 and report["errors"] == []
    # no access_policy block and RBAC off (KVA201), purge protection off (KVA402)
    assert codes(report) == {"kv-dev-app": ["KVA201", "KVA211", "KVA402"]}
    (tmp_path / "terraform.tfvars").write_text('env = "prod"\n')
    _, report, _ = audit(capsys, "--input", str(tmp_path / "main.tf"))
    assert set(codes(report)) == {"kv-prod-app"}


def test_what_is_not_known_before_plan_stays_silent(capsys, tmp_path):
    text = OPEN_VAULT.replace('default_action = "Allow"', "default_action = var.network_default")
    text = text.replace(f'tenant_id           = "{TENANT}"', "tenant_id = var.tenant_id")
    (tmp_path / "main.tf").write_text(text + 'variable "network_default" {}\n')
    _, report, _ = audit(capsys, "--input", str(tmp_path / "main.tf"))
    assert codes(report) == {"kv-dev-app": ["KVA201", "KVA402"]}  # no firewall verdict
    assert set(report["vaults"][0]["unresolved"]) == {"networkAcls", "tenantId"}


def test_two_folders_declaring_the_same_address_are_two_vaults(capsys, tmp_path):
    for env in ("dev", "prod"):
        folder = tmp_path / env
        folder.mkdir()
        (folder / "main.tf").write_text(OPEN_VAULT.replace('default = "dev"', f'default = "{env}"'))
    _, report, _ = audit(
        capsys, "--input", str(tmp_path / "dev" / "main.tf"), str(tmp_path / "prod" / "main.tf")
    )
    assert report["vaults_audited"] == 2 and set(codes(report)) == {"kv-dev-app", "kv-prod-app"}


def test_a_folder_is_read_once_and_links_are_not_followed(capsys, tmp_path):
    (tmp_path / "main.tf").write_text(OPEN_VAULT)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.tf"
    outside.write_text(OPEN_VAULT.replace("main", "elsewhere").replace("-app", "-outside"))
    (tmp_path / "linked.tf").symlink_to(outside)
    _, report, _ = audit(
        capsys, "--input", str(tmp_path / "main.tf"), str(tmp_path / "variables.tfvars")
    )
    assert report["vaults_audited"] == 1 and set(codes(report)) == {"kv-dev-app"}


def test_invalid_hcl_is_one_read_error(capsys, tmp_path):
    (tmp_path / "main.tf").write_text(OPEN_VAULT)
    (tmp_path / "broken.tf").write_text('resource "azurerm_key_vault" "x" {\n  name = \n')
    code, report, err = audit(capsys, "--input", str(tmp_path / "main.tf"))
    assert "Traceback" not in err and code == 1
    (error,) = report["errors"]
    assert error["scope"].endswith("broken.tf") and "not valid HCL" in error["message"]
    assert set(codes(report)) == {"kv-dev-app"}  # the rest of the module is still audited


def test_iac_only_reads_tf_and_skips_other_files(capsys, tmp_path):
    (tmp_path / "main.tf").write_text(OPEN_VAULT)
    (tmp_path / "package.json").write_text('{"name": "x"}')
    code, report, _ = audit(
        capsys, "--iac-only", str(tmp_path / "main.tf"), str(tmp_path / "package.json")
    )
    assert code == 1 and report["vaults_audited"] == 1


# -- plans: planned_values -------------------------------------------------------------------


def test_planned_values_fill_what_resource_changes_lacks(capsys, tmp_path):
    plan = json.loads(json.dumps(PLAN))
    plan["planned_values"]["root_module"]["child_modules"] = [
        {
            "address": "module.shared",
            "resources": [
                {
                    "address": "module.shared.azurerm_key_vault.kv",
                    "mode": "managed",
                    "type": "azurerm_key_vault",
                    "name": "kv",
                    "values": {
                        "name": "kv-tf-planned",
                        "location": "westeurope",
                        "tenant_id": TENANT,
                        "purge_protection_enabled": True,
                        "public_network_access_enabled": True,
                        "network_acls": [
                            {"bypass": "AzureServices", "default_action": "Allow", "ip_rules": []}
                        ],
                        "access_policy": [],
                        "soft_delete_retention_days": 90,
                    },
                },
                {
                    "address": "module.shared.azurerm_key_vault.later",
                    "mode": "managed",
                    "type": "azurerm_key_vault",
                    "name": "later",
                    "values": {"name": "kv-tf-later", "purge_protection_enabled": True},
                },
            ],
        }
    ]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    _, report, _ = audit(capsys, "--input", str(path))
    assert report["vaults_audited"] == 4
    found = codes(report)
    assert found["kv-tf-planned"] == ["KVA201", "KVA211"]
    assert "kv-tf-later" not in found  # its network and policies are known after apply
    later = next(v for v in report["vaults"] if v["name"] == "kv-tf-later")
    assert {"networkAcls", "accessPolicies", "tenantId"} <= set(later["unresolved"])


def test_a_plan_with_only_planned_values_is_read(capsys, tmp_path):
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "azurerm_key_vault.kv",
                        "mode": "managed",
                        "type": "azurerm_key_vault",
                        "name": "kv",
                        "values": {
                            "name": "kv-only-planned",
                            "tenant_id": TENANT,
                            "purge_protection_enabled": False,
                            "public_network_access_enabled": False,
                            "network_acls": [],
                            "access_policy": [],
                            "soft_delete_retention_days": 90,
                        },
                    }
                ]
            }
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    _, report, _ = audit(capsys, "--input", str(path))
    assert codes(report) == {"kv-only-planned": ["KVA201", "KVA212", "KVA402"]}


# -- network security perimeters in Terraform ------------------------------------------------

PERIMETER = """\
resource "azurerm_key_vault" "kv" {
  name                     = "kv-nsp"
  location                 = "westeurope"
  resource_group_name      = "rg-app"
  tenant_id                = "%s"
  sku_name                 = "standard"
  purge_protection_enabled = true

  access_policy {
    tenant_id          = "%s"
    object_id          = "%s"
    secret_permissions = ["Get"]
  }
}

resource "azurerm_network_security_perimeter" "nsp" {
  name                = "nsp-app"
  resource_group_name = "rg-app"
  location            = "westeurope"
}

resource "azurerm_network_security_perimeter_profile" "app" {
  name                          = "profile-app"
  network_security_perimeter_id = azurerm_network_security_perimeter.nsp.id
}

resource "azurerm_network_security_perimeter_access_rule" "office" {
  name             = "office"
  network_security_perimeter_profile_id = azurerm_network_security_perimeter_profile.app.id
  direction        = "Inbound"
  address_prefixes = ["198.51.100.0/24"]
}

resource "azurerm_network_security_perimeter_association" "kv" {
  name        = "kv-nsp"
  access_mode = "%s"
  network_security_perimeter_profile_id = azurerm_network_security_perimeter_profile.app.id
  resource_id = azurerm_key_vault.kv.id
}
"""


@pytest.mark.parametrize(("mode", "firewall_open"), [("Enforced", False), ("Audit", True)])
def test_an_enforced_perimeter_replaces_the_firewall(capsys, tmp_path, mode, firewall_open):
    (tmp_path / "main.tf").write_text(PERIMETER % (TENANT, TENANT, APP, mode))
    main = str(tmp_path / "main.tf")
    _, report, _ = audit(capsys, "--input", main)
    assert ("KVA211" in codes(report).get("kv-nsp", [])) is firewall_open
    if mode != "Enforced":
        return
    who = ("--principal", APP)
    _, report, _ = audit(capsys, "--input", main, *who, "--ip", "198.51.100.7")
    assert codes(report) == {}  # the office rule admits it, the policy grants secrets/get
    _, report, _ = audit(capsys, "--input", main, *who, "--ip", "203.0.113.7")
    (refusal,) = report["findings"]
    assert refusal["code"] == "KVA501" and "perimeter refuses" in refusal["message"]


# -- ARM parameters files --------------------------------------------------------------------


def test_a_parameters_file_resolves_what_the_template_leaves_open(capsys, tmp_path):
    template = tmp_path / "azuredeploy.json"
    template.write_text(template_text(ARM_TEMPLATE))
    parameters = tmp_path / "azuredeploy.parameters.json"
    parameters.write_text(
        json.dumps(
            {
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                "deploymentParameters.json#",
                "contentVersion": "1.0.0.0",
                "parameters": {
                    "publicAccess": {"value": "Enabled"},
                    "keyVaultName": {"value": "kv-from-params"},
                    "objectId": {
                        "reference": {
                            "keyVault": {"id": "/subscriptions/x/resourceGroups/y/providers/"},
                            "secretName": "deployer-oid",
                        }
                    },
                },
            }
        )
    )
    _, report, _ = audit(capsys, "--input", str(template), "--parameters", str(parameters))
    found = codes(report)
    assert found["kv-from-params"] == ["KVA211", "KVA402"]  # the policy's objectId: unknown
    assert found["kv-from-params-app"] == ["KVA211", "KVA219"]  # public access now known
    code, _, err = audit(capsys, "--input", str(parameters))
    assert code == 2 and "--parameters" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--parameters", "p.json", "--subscription", "00000000-0000-0000-0000-000000000000"],
            "--parameters applies",
        ),
        (["--input", "t.json", "--parameters", "main.bicepparam"], "az bicep build-params"),
        (["--input", "t.json", "--parameters", "t.json"], "not an ARM parameters file"),
    ],
)
def test_parameters_misuse_is_one_line(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.json").write_text(template_text(ARM_TEMPLATE))
    code, _, err = audit(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_folder_is_a_terraform_module(capsys, tmp_path):
    (tmp_path / "vault.tf").write_text(OPEN_VAULT)
    _, report, _ = audit(capsys, "--input", str(tmp_path))
    assert set(codes(report)) == {"kv-dev-app"}
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = audit(capsys, "--input", str(empty))
    assert code == 2 and "a folder without .tf files" in err
