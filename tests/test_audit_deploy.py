"""The 403 a deployment itself will hit (KVA701-KVA704), from Terraform source, plans and ARM
templates: each check's positive and tricky negative cases, its rule page's examples, and
where the finding points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kvlint import catalog, cli
from tests.audit_data import TENANT
from tests.deploy_data import (
    DEPLOYER,
    DEPLOYER_POLICY,
    DEPLOYER_ROLE,
    PRIVATE_ENDPOINT,
    SLEEP,
    SUBSCRIPTION,
    module,
    plan_for_write,
)
from tests.iac_data import ARM_TEMPLATE, line_of, template_text

DEPLOY_CODES = ("KVA701", "KVA702", "KVA703", "KVA704")


def audit(capsys, *argv: str) -> tuple[int, dict]:
    code = cli.main(["audit", *argv, "--format", "json"])
    captured = capsys.readouterr()
    assert "kvlint: error" not in captured.err, captured.err
    return code, json.loads(captured.out)


def write_module(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder / "main.tf"


def found(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


def deploy_codes(report: dict) -> list[str]:
    return sorted(f["code"] for f in report["findings"] if f["code"] in DEPLOY_CODES)


# -- the rule pages' examples are complete modules that behave as documented -----------------


@pytest.mark.parametrize("code", DEPLOY_CODES)
def test_page_example_triggers_and_use_instead_does_not(capsys, tmp_path, code):
    page = catalog.get(code)
    bad = write_module(tmp_path / "example", {"main.tf": page.example})
    _, report = audit(capsys, "--input", str(bad))
    assert report["errors"] == [] and found(report, code), page.example
    good = write_module(tmp_path / "use_instead", {"main.tf": page.use_instead})
    _, report = audit(capsys, "--input", str(good))
    assert report["errors"] == [] and deploy_codes(report) == [], report["findings"]


def test_the_page_of_kva701_says_what_arm_secrets_do():
    page = catalog.get("KVA701")
    assert "Microsoft.KeyVault/vaults/secrets" in page.what and "control-plane" in page.what
    assert any("secrets/create-or-update" in ref.url for ref in page.references)


# -- KVA701 deployer locked out --------------------------------------------------------------


def closed(body: str = "", extra: str = "", secret: str = "") -> dict[str, str]:
    return module(
        rbac=False,
        body="  public_network_access_enabled = false\n" + DEPLOYER_POLICY + body,
        extra=extra,
        secret=secret,
    )


def test_locked_out_points_at_the_write_in_its_own_file(capsys, tmp_path):
    main = write_module(tmp_path, closed())
    code, report = audit(capsys, "--input", str(main))
    assert code == 1 and deploy_codes(report) == ["KVA701"]
    (item,) = found(report, "KVA701")
    assert item["location"] == {
        "path": str(tmp_path / "secrets.tf"),
        "line": 1,
        "column": 1,
        "end_line": 1,
        "end_column": 1,
    }
    assert item["vault"] == "kv-deploy"
    assert "ForbiddenByConnection" in item["message"] and "--ip" in item["message"]


def test_a_runner_on_the_private_endpoint_network_gets_in(capsys, tmp_path):
    main = write_module(tmp_path, closed(extra=PRIVATE_ENDPOINT))
    _, report = audit(capsys, "--input", str(main), "--ip", "10.20.0.4")
    assert deploy_codes(report) == []
    _, report = audit(capsys, "--input", str(main))  # without --ip: it may be on it
    assert deploy_codes(report) == []
    # the same code run from a hosted runner's public address cannot use the endpoint
    _, report = audit(capsys, "--input", str(main), "--ip", "20.42.7.9")
    (item,) = found(report, "KVA701")
    assert "20.42.7.9" in item["message"] and "azurerm_private_endpoint.kv" in item["message"]


def test_a_manual_private_endpoint_connection_carries_nothing_yet(capsys, tmp_path):
    manual = PRIVATE_ENDPOINT.replace(
        "is_manual_connection           = false", "is_manual_connection           = true"
    )
    main = write_module(tmp_path, closed(extra=manual))
    _, report = audit(capsys, "--input", str(main), "--ip", "10.20.0.4")
    assert deploy_codes(report) == ["KVA701"]


def test_firewall_deny_judges_the_runner_address(capsys, tmp_path):
    acls = """
  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
    ip_rules       = [var.office_range]
  }"""
    files = module(rbac=False, body=DEPLOYER_POLICY + acls)
    files["variables.tf"] = 'variable "office_range" {\n  default = "203.0.113.0/24"\n}\n'
    main = write_module(tmp_path, files)
    _, report = audit(capsys, "--input", str(main), "--ip", "203.0.113.80")
    assert deploy_codes(report) == []  # inside the rule
    _, report = audit(capsys, "--input", str(main), "--ip", "198.51.100.7")
    (item,) = found(report, "KVA701")
    assert "ForbiddenByFirewall" in item["message"] and "203.0.113.0/24" in item["message"]
    _, report = audit(capsys, "--input", str(main))  # the runner may be in the rule
    assert deploy_codes(report) == []


def test_an_unresolved_network_stays_silent(capsys, tmp_path):
    files = module(
        rbac=False, body=DEPLOYER_POLICY + "\n  public_network_access_enabled = var.public"
    )
    files["variables.tf"] = 'variable "public" {\n  type = bool\n}\n'
    main = write_module(tmp_path, files)
    _, report = audit(capsys, "--input", str(main), "--ip", "198.51.100.7")
    assert deploy_codes(report) == []


def test_a_write_that_may_not_be_created_stays_silent(capsys, tmp_path):
    main = write_module(tmp_path, closed(secret="\n  count        = var.seed ? 1 : 0"))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == []


def test_arm_secrets_go_through_resource_manager(capsys, tmp_path):
    """A template creating a secret in the vault it closes: Resource Manager writes it through
    the resource provider (control plane), neither firewall nor data-plane grant applies."""
    template = {
        "$schema": ARM_TEMPLATE["$schema"],
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.KeyVault/vaults",
                "apiVersion": "2023-07-01",
                "name": "kv-arm-closed",
                "location": "westeurope",
                "properties": {
                    "tenantId": TENANT,
                    "sku": {"family": "A", "name": "standard"},
                    "enableRbacAuthorization": True,
                    "enablePurgeProtection": True,
                    "publicNetworkAccess": "Disabled",
                },
            },
            {
                "type": "Microsoft.KeyVault/vaults/secrets",
                "apiVersion": "2023-07-01",
                "name": "kv-arm-closed/db-password",
                "properties": {"value": "[parameters('dbPassword')]"},
            },
        ],
    }
    path = tmp_path / "azuredeploy.json"
    path.write_text(template_text(template))
    _, report = audit(capsys, "--input", str(path), "--ip", "198.51.100.7")
    assert deploy_codes(report) == [] and found(report, "KVA212")


# -- KVA702 grant and use in the same apply --------------------------------------------------


def test_a_write_that_does_not_even_depend_on_its_grant(capsys, tmp_path):
    main = write_module(tmp_path, module(extra=DEPLOYER_ROLE))
    _, report = audit(capsys, "--input", str(main))
    (item,) = found(report, "KVA702")
    assert "does not depend on it" in item["message"]
    assert deploy_codes(report) == ["KVA702"]  # the grant exists: not KVA703


def test_a_local_exec_that_waits_counts(capsys, tmp_path):
    waiter = """
resource "null_resource" "wait_for_rbac" {
  provisioner "local-exec" {
    command = "sleep 300"
  }
  depends_on = [azurerm_role_assignment.deployer]
}
"""
    main = write_module(
        tmp_path,
        module(
            extra=DEPLOYER_ROLE + waiter, secret="\n  depends_on = [null_resource.wait_for_rbac]"
        ),
    )
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == []


def test_a_sleep_that_does_not_follow_the_grant_does_not_count(capsys, tmp_path):
    early = SLEEP.replace("  depends_on      = [azurerm_role_assignment.deployer]\n", "")
    main = write_module(
        tmp_path,
        module(
            extra=DEPLOYER_ROLE + early,
            secret="\n  depends_on = [time_sleep.rbac, azurerm_role_assignment.deployer]",
        ),
    )
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == ["KVA702"]


def test_a_role_without_the_data_action_is_no_grant(capsys, tmp_path):
    reader = DEPLOYER_ROLE.replace("Key Vault Secrets Officer", "Key Vault Secrets User")
    main = write_module(
        tmp_path,
        module(extra=reader, secret="\n  depends_on = [azurerm_role_assignment.deployer]"),
    )
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == ["KVA703"]  # Secrets User cannot set: no KVA702 either
    assert "Key Vault Secrets Officer" in found(report, "KVA703")[0]["message"]


def test_a_plan_with_and_without_the_wait(capsys, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_for_write(with_sleep=False), indent=2))
    _, report = audit(capsys, "--input", str(path))
    (item,) = found(report, "KVA702")
    assert item["location"]["line"] == line_of(
        path.read_text(), '"address": "azurerm_key_vault_secret.db"'
    )
    path.write_text(json.dumps(plan_for_write(with_sleep=True), indent=2))
    _, report = audit(capsys, "--input", str(path))
    assert deploy_codes(report) == []


# -- KVA703 the deployer has no grant --------------------------------------------------------


def test_no_role_for_the_deployer_without_and_with_its_assignments(capsys, tmp_path):
    plan = plan_for_write(with_sleep=False)
    plan["resource_changes"] = [
        c for c in plan["resource_changes"] if c["type"] != "azurerm_role_assignment"
    ]
    for resource in plan["configuration"]["root_module"]["resources"]:
        resource.pop("depends_on", None)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    _, report = audit(capsys, "--input", str(path))
    (item,) = found(report, "KVA703")
    assert "inherited" not in item["message"] or "management group" in item["message"]

    def assignments(role: str, scope: str) -> Path:
        exported = tmp_path / f"{role.replace(' ', '-')}.json"
        exported.write_text(
            json.dumps(
                [
                    {
                        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/1",
                        "type": "Microsoft.Authorization/roleAssignments",
                        "scope": scope,
                        "principalId": DEPLOYER,
                        "principalType": "ServicePrincipal",
                        "roleDefinitionName": role,
                        "roleDefinitionId": f"{subscription}/providers/Microsoft.Authorization/"
                        "roleDefinitions/"
                        + {
                            "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
                            "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
                        }[role],
                    }
                ]
            )
        )
        return exported

    subscription = f"/subscriptions/{SUBSCRIPTION}"
    contributor = assignments("Contributor", subscription)
    _, report = audit(capsys, "--input", str(path), "--input", str(contributor))
    (item,) = found(report, "KVA703")
    assert DEPLOYER in item["message"] and "given" in item["message"]
    officer = assignments("Key Vault Secrets Officer", f"{subscription}/resourceGroups/rg-app")
    _, report = audit(capsys, "--input", str(path), "--input", str(officer))
    assert deploy_codes(report) == []  # inherited from the resource group


def test_access_policy_vault_without_a_policy_for_the_deployer(capsys, tmp_path):
    other = """
  access_policy {
    tenant_id          = data.azurerm_client_config.current.tenant_id
    object_id          = azuread_service_principal.app.object_id
    secret_permissions = ["Get"]
  }"""
    main = write_module(tmp_path, module(rbac=False, body=other))
    _, report = audit(capsys, "--input", str(main))
    (item,) = found(report, "KVA703")
    assert "access-policy mode" in item["message"]
    # the deployer's own policy without Set
    reader = DEPLOYER_POLICY.replace('"Get", "Set", "Delete", "Purge"', '"Get", "List"')
    main = write_module(tmp_path / "reader", module(rbac=False, body=reader))
    _, report = audit(capsys, "--input", str(main))
    assert "not secrets/set" in found(report, "KVA703")[0]["message"]
    # a separate policy resource for the deployer grants it
    separate = """
resource "azurerm_key_vault_access_policy" "deployer" {
  key_vault_id       = azurerm_key_vault.kv.id
  tenant_id          = data.azurerm_client_config.current.tenant_id
  object_id          = data.azurerm_client_config.current.object_id
  secret_permissions = ["Get", "Set"]
}
"""
    main = write_module(tmp_path / "separate", module(rbac=False, body=other, extra=separate))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == ["KVA702"]  # granted, but the write does not wait for it


def test_a_literal_object_id_may_be_the_deployer(capsys, tmp_path):
    literal = f"""
  access_policy {{
    tenant_id          = "{TENANT}"
    object_id          = "{DEPLOYER}"
    secret_permissions = ["Get", "Set"]
  }}"""
    main = write_module(tmp_path, module(rbac=False, body=literal))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == []


# -- KVA704 wrong kind of id -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "wrong"),
    [
        ("azuread_application.app.client_id", True),
        ("azuread_application.app.application_id", True),
        ("azuread_application.app.object_id", True),
        ("data.azuread_service_principal.app.client_id", True),
        ("azurerm_user_assigned_identity.app.client_id", True),
        ("data.azurerm_client_config.current.client_id", True),
        ("azuread_service_principal.app.object_id", False),
        ("azurerm_user_assigned_identity.app.principal_id", False),
        ("azurerm_linux_web_app.app.identity[0].principal_id", False),
    ],
)
def test_role_assignment_principal_kinds(capsys, tmp_path, expression, wrong):
    assignment = f"""
resource "azurerm_role_assignment" "app" {{
  scope                = azurerm_key_vault.kv.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = {expression}
}}
"""
    files = module(
        extra=DEPLOYER_ROLE + SLEEP + assignment, secret="\n  depends_on = [time_sleep.rbac]"
    )
    main = write_module(tmp_path, files)
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == (["KVA704"] if wrong else [])
    if wrong:
        (item,) = found(report, "KVA704")
        assert expression in item["message"]
        assert item["location"]["line"] == line_of(
            files["main.tf"], 'resource "azurerm_role_assignment" "app"'
        )


def test_arm_reference_app_id_in_an_access_policy(capsys, tmp_path):
    template = json.loads(template_text(ARM_TEMPLATE))
    policy = template["resources"][2]["properties"]["accessPolicies"][0]
    policy["objectId"] = (
        "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-app'), "
        "'2023-01-31').clientId]"
    )
    path = tmp_path / "azuredeploy.json"
    path.write_text(template_text(template))
    _, report = audit(capsys, "--input", str(path))
    (item,) = found(report, "KVA704")
    assert ".clientId" in item["message"]
    assert item["location"]["line"] == line_of(
        path.read_text(), '"type": "Microsoft.KeyVault/vaults/accessPolicies"'
    )
    policy["objectId"] = policy["objectId"].replace(".clientId]", ".principalId]")
    path.write_text(template_text(template))
    _, report = audit(capsys, "--input", str(path))
    assert deploy_codes(report) == []


# -- output -----------------------------------------------------------------------------------


def test_sarif_locates_the_write(capsys, tmp_path, monkeypatch):
    write_module(tmp_path, closed())
    monkeypatch.chdir(tmp_path)
    cli.main(["audit", "--input", "secrets.tf", "--format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "KVA701"]
    (physical,) = [r["locations"][0]["physicalLocation"] for r in results]
    assert physical["artifactLocation"]["uri"] == "secrets.tf"
    assert physical["region"]["startLine"] == 1


def test_narrowing_to_another_vault_drops_deployment_findings(capsys, tmp_path):
    main = write_module(tmp_path, closed())
    _, report = audit(capsys, "--input", str(main), "--vault", "kv-other")
    assert report["findings"] == [] and report["vaults_audited"] == 0


def test_azapi_secrets_go_through_resource_manager(capsys, tmp_path):
    azapi = """
resource "azapi_resource" "db" {
  type      = "Microsoft.KeyVault/vaults/secrets@2023-07-01"
  name      = "db-password"
  parent_id = azurerm_key_vault.kv.id
  body = {
    properties = { value = var.db_password }
  }
}
"""
    files = closed(extra=azapi)
    files.pop("secrets.tf")
    main = write_module(tmp_path, files)
    _, report = audit(capsys, "--input", str(main), "--ip", "198.51.100.7")
    assert deploy_codes(report) == []


def script_template(**container: object) -> dict:
    """A template that closes its vault and fills it from an Azure CLI deployment script (the
    shape of Microsoft's deploymentScripts quickstart)."""
    return {
        "$schema": ARM_TEMPLATE["$schema"],
        "contentVersion": "1.0.0.0",
        "parameters": {"vaultName": {"type": "string", "defaultValue": "kv-scripted"}},
        "resources": [
            {
                "type": "Microsoft.KeyVault/vaults",
                "apiVersion": "2023-07-01",
                "name": "[parameters('vaultName')]",
                "location": "westeurope",
                "properties": {
                    "tenantId": TENANT,
                    "sku": {"family": "A", "name": "standard"},
                    "enableRbacAuthorization": True,
                    "enablePurgeProtection": True,
                    "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
                },
            },
            {
                "type": "Microsoft.Resources/deploymentScripts",
                "apiVersion": "2023-08-01",
                "name": "seed-secrets",
                "location": "westeurope",
                "kind": "AzureCLI",
                "identity": {"type": "UserAssigned", "userAssignedIdentities": {"id-seed": {}}},
                "properties": {
                    "azCliVersion": "2.59.0",
                    "retentionInterval": "PT1H",
                    "environmentVariables": [
                        {"name": "VAULT", "value": "[parameters('vaultName')]"}
                    ],
                    "scriptContent": 'az keyvault secret set --vault-name "$VAULT" '
                    '--name db-password --value "$(openssl rand -hex 16)"',
                    **container,
                },
            },
        ],
    }


def test_a_deployment_script_writing_into_the_vault_its_template_closes(capsys, tmp_path):
    path = tmp_path / "azuredeploy.json"
    path.write_text(template_text(script_template()))
    _, report = audit(capsys, "--input", str(path))
    (item,) = found(report, "KVA701")
    assert "seed-secrets" in item["message"] and "subnetIds" in item["message"]
    assert item["location"]["line"] == line_of(
        path.read_text(), '"type": "Microsoft.Resources/deploymentScripts"'
    )
    assert deploy_codes(report) == ["KVA701"]  # its own identity writes: no KVA702/KVA703
    in_vnet = script_template(containerSettings={"subnetIds": [{"id": "[parameters('x')]"}]})
    path.write_text(template_text(in_vnet))
    _, report = audit(capsys, "--input", str(path))
    assert deploy_codes(report) == []


def test_a_separate_access_policy_the_write_does_not_wait_for(capsys, tmp_path):
    policy = """
resource "azurerm_key_vault_access_policy" "deployer" {
  key_vault_id       = azurerm_key_vault.kv.id
  tenant_id          = data.azurerm_client_config.current.tenant_id
  object_id          = data.azurerm_client_config.current.object_id
  secret_permissions = ["Get", "Set"]
}
"""
    main = write_module(tmp_path / "racing", module(rbac=False, extra=policy))
    _, report = audit(capsys, "--input", str(main))
    (item,) = found(report, "KVA702")
    assert "depends_on = [azurerm_key_vault_access_policy.deployer]" in item["message"]
    assert deploy_codes(report) == ["KVA702"]
    waiting = module(
        rbac=False,
        extra=policy,
        secret="\n  depends_on   = [azurerm_key_vault_access_policy.deployer]",
    )
    main = write_module(tmp_path / "waiting", waiting)
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == []


def test_a_role_for_a_principal_given_as_a_variable_may_be_the_deployer(capsys, tmp_path):
    ci = """
variable "ci_object_id" {
  type = string
}

resource "azurerm_role_assignment" "ci" {
  scope                = azurerm_key_vault.kv.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = var.ci_object_id
}
"""
    main = write_module(tmp_path / "variable", module(extra=ci))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == []
    app = ci.replace("var.ci_object_id", "azuread_service_principal.app.object_id")
    main = write_module(tmp_path / "someone-else", module(extra=app))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == ["KVA703"]


def test_ip_alone_needs_infrastructure_code(capsys):
    code = cli.main(["audit", "--subscription", SUBSCRIPTION, "--ip", "203.0.113.7"])
    err = capsys.readouterr().err
    assert code == 2 and "--ip alone" in err


def test_a_vault_handed_to_a_module_may_be_granted_there(capsys, tmp_path):
    """A role assignment made by a local module (not followed) may be the deployer's: KVA703
    stays silent; so does KVA701 when a module may connect a private endpoint."""
    call = """
module "secret_officer" {
  source       = "../role_assignment"
  principal_id = data.azurerm_client_config.current.object_id
  role_name    = "Key Vault Secrets Officer"
  scope_id     = azurerm_key_vault.kv.id
}
"""
    main = write_module(tmp_path / "rbac", module(extra=call))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == []
    endpoint = """
module "private_endpoint" {
  source      = "../private_endpoint"
  resource_id = azurerm_key_vault.kv.id
}
"""
    main = write_module(tmp_path / "closed", closed(extra=endpoint))
    _, report = audit(capsys, "--input", str(main), "--ip", "10.1.2.3")
    assert deploy_codes(report) == []
    unrelated = 'module "naming" {\n  source = "Azure/naming/azurerm"\n}\n'
    main = write_module(tmp_path / "unrelated", module(extra=unrelated))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == ["KVA703"]


@pytest.mark.parametrize(
    "grant",
    [
        # a group the deployer may be a member of (azuread_group_member is not followed)
        """
resource "azuread_group" "kv_admins" {
  display_name     = "kv-admins"
  security_enabled = true
}

resource "azurerm_role_assignment" "admins" {
  scope                = azurerm_key_vault.kv.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = azuread_group.kv_admins.object_id
}
""",
        # a role at the resource group that holds the vault
        """
resource "azurerm_role_assignment" "deployer_rg" {
  scope                = azurerm_resource_group.main.id
  role_definition_name = "Key Vault Administrator"
  principal_id         = data.azurerm_client_config.current.object_id
}
""",
    ],
    ids=["group", "resource-group"],
)
def test_a_grant_that_may_reach_the_deployer_keeps_kva703_silent(capsys, tmp_path, grant):
    main = write_module(tmp_path, module(extra=grant))
    _, report = audit(capsys, "--input", str(main))
    assert "KVA703" not in deploy_codes(report)


def test_each_inline_policy_is_judged_by_its_own_object_id(capsys, tmp_path):
    """Two access_policy blocks: the deployer's grants Set, the application's names its client
    id (KVA704 on that one only); the write is granted."""
    blocks = (
        DEPLOYER_POLICY
        + """
  access_policy {
    tenant_id          = data.azurerm_client_config.current.tenant_id
    object_id          = azuread_application.app.client_id
    secret_permissions = ["Get"]
  }"""
    )
    main = write_module(tmp_path, module(rbac=False, body=blocks))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == ["KVA704"]
    assert "azuread_application.app.client_id" in found(report, "KVA704")[0]["message"]


def test_a_private_runner_behind_nat_may_be_in_the_ip_rules(capsys, tmp_path):
    acls = """
  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
    ip_rules       = ["20.42.7.0/24"]
  }"""
    main = write_module(tmp_path / "rules", module(rbac=False, body=DEPLOYER_POLICY + acls))
    _, report = audit(capsys, "--input", str(main), "--ip", "10.0.0.4")
    assert deploy_codes(report) == []
    bare = acls.replace('["20.42.7.0/24"]', "[]")
    main = write_module(tmp_path / "bare", module(rbac=False, body=DEPLOYER_POLICY + bare))
    _, report = audit(capsys, "--input", str(main), "--ip", "10.0.0.4")
    (item,) = found(report, "KVA701")
    assert "virtual-network rule" in item["message"]


def test_a_plan_names_the_wrong_id_in_its_configuration(capsys, tmp_path):
    plan = plan_for_write(with_sleep=True)
    config = plan["configuration"]["root_module"]["resources"][1]
    config["expressions"]["principal_id"] = {
        "references": ["azuread_application.app.client_id", "azuread_application.app"]
    }
    plan["resource_changes"][1]["change"]["after"]["principal_id"] = TENANT  # some GUID
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    _, report = audit(capsys, "--input", str(path))
    (item,) = found(report, "KVA704")
    assert item["location"]["line"] == line_of(
        path.read_text(), '"address": "azurerm_role_assignment.deployer"'
    )


def test_a_role_already_held_makes_the_wait_unnecessary(capsys, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_for_write(with_sleep=False)))
    held = tmp_path / "assignments.json"
    scope = f"/subscriptions/{SUBSCRIPTION}"
    held.write_text(
        json.dumps(
            [
                {
                    "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/2",
                    "type": "Microsoft.Authorization/roleAssignments",
                    "scope": scope,
                    "principalId": DEPLOYER,
                    "principalType": "ServicePrincipal",
                    "roleDefinitionName": "Key Vault Administrator",
                    "roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/"
                    "roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483",
                }
            ]
        )
    )
    _, report = audit(capsys, "--input", str(path))
    assert deploy_codes(report) == ["KVA702"]
    _, report = audit(capsys, "--input", str(path), "--input", str(held))
    assert deploy_codes(report) == []


def scripted_with_role(script: str) -> dict:
    """The script's user-assigned identity gets "Key Vault Secrets Officer" on the vault in the
    same template (the shape Bicep compiles `scope: kv` and `identity.properties.principalId`
    to), the vault's firewall open."""
    template = script_template()
    vault, deployment_script = template["resources"]
    vault["properties"]["networkAcls"] = {"defaultAction": "Allow", "bypass": "AzureServices"}
    identity = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-seed')]"
    deployment_script["identity"]["userAssignedIdentities"] = {identity: {}}
    deployment_script["properties"]["scriptContent"] = script
    template["resources"] += [
        {
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "apiVersion": "2023-01-31",
            "name": "id-seed",
            "location": "westeurope",
        },
        {
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "scope": "[format('Microsoft.KeyVault/vaults/{0}', parameters('vaultName'))]",
            "name": "[guid(parameters('vaultName'), 'id-seed', 'officer')]",
            "properties": {
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/"
                "roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')]",
                "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/"
                "userAssignedIdentities', 'id-seed'), '2023-01-31').principalId]",
                "principalType": "ServicePrincipal",
            },
        },
    ]
    return template


def test_a_deployment_script_right_after_its_identity_is_granted(capsys, tmp_path):
    path = tmp_path / "azuredeploy.json"
    write = (
        'az keyvault secret set --vault-name "$VAULT" --name db --value "$(openssl rand -hex 16)"'
    )
    path.write_text(template_text(scripted_with_role(write)))
    _, report = audit(capsys, "--input", str(path))
    (item,) = found(report, "KVA702")
    assert "id-seed" in item["message"] and "Key Vault Secrets Officer" in item["message"]
    assert deploy_codes(report) == ["KVA702"]
    retrying = f"for i in 1 2 3 4 5 6 7 8 9 10; do\n  {write} && break\n  sleep 30\ndone"
    path.write_text(template_text(scripted_with_role(retrying)))
    _, report = audit(capsys, "--input", str(path))
    assert deploy_codes(report) == []


ROLE_MODULE = """\
variable "scope_id" {}
variable "principal_id" {}
variable "role_name" {}

resource "azurerm_role_assignment" "this" {
  scope                = var.scope_id
  role_definition_name = var.role_name
  principal_id         = var.principal_id
}

output "id" {
  value = azurerm_role_assignment.this.id
}
"""


def test_a_local_module_is_followed_with_what_it_is_given(capsys, tmp_path, monkeypatch):
    """The deployer's role comes from ../modules/role (read with the call's arguments): the
    write depends on the module with nothing that waits (KVA702 at the write); with a
    time_sleep after the module it is silent. A module outside the tree is not followed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "modules" / "role").mkdir(parents=True)
    (tmp_path / "modules" / "role" / "main.tf").write_text(ROLE_MODULE)
    call = """
module "deployer_role" {
  source       = "../modules/role"
  scope_id     = azurerm_key_vault.kv.id
  principal_id = data.azurerm_client_config.current.object_id
  role_name    = "Key Vault Secrets Officer"
}
"""
    files = module(extra=call, secret="\n  depends_on   = [module.deployer_role]")
    main = write_module(tmp_path / "app", files)
    _, report = audit(capsys, "--input", str(main))
    (item,) = found(report, "KVA702")
    assert "module.deployer_role.azurerm_role_assignment.this" in item["message"]
    assert deploy_codes(report) == ["KVA702"]
    sleep = """
resource "time_sleep" "rbac" {
  create_duration = "300s"
  depends_on      = [module.deployer_role]
}
"""
    files = module(extra=call + sleep, secret="\n  depends_on   = [time_sleep.rbac]")
    main = write_module(tmp_path / "waits", files)
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == []
    # the same module given to another principal: the deployer has no grant
    other = call.replace(
        "data.azurerm_client_config.current.object_id", "azuread_service_principal.app.object_id"
    )
    main = write_module(tmp_path / "other", module(extra=other))
    _, report = audit(capsys, "--input", str(main))
    assert deploy_codes(report) == ["KVA703"]
    # out of the tree: not followed, so whom it grants is unknown (silent)
    monkeypatch.chdir(tmp_path / "app")
    _, report = audit(capsys, "--input", "main.tf")
    assert deploy_codes(report) == []
