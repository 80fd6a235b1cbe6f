"""``kvlint audit --input`` through the real entry point: shapes, formats, exit codes, config."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kvlint import catalog
from tests.audit_data import APP, OTHER_TENANT, SUB_A, TENANT, graph_row, policy, vault
from tests.conftest import ROOT


def write(tmp_path, data, name="vaults.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


OPEN = vault("kv-open", networkAcls=None)
LOCKED = vault("kv-locked", publicNetworkAccess="Disabled", softDeleteRetentionInDays=30)
CLEAN = vault("kv-clean")


def codes(report: dict) -> list[tuple[str, str]]:
    return [(f["vault"], f["code"]) for f in report["findings"]]


@pytest.mark.parametrize("shape", ["object", "list", "arm-page", "graph-response", "graph-rows"])
def test_every_input_shape_gives_the_same_findings(kvlint, tmp_path, shape):
    data = {
        "object": OPEN,
        "list": [OPEN],
        "arm-page": {"value": [OPEN], "nextLink": None},
        "graph-response": {
            "totalRecords": 1,
            "count": 1,
            "data": [graph_row(OPEN)],
            "resultTruncated": "false",
        },
        "graph-rows": [graph_row(OPEN)],
    }[shape]
    result = kvlint("audit", "--input", write(tmp_path, data), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert codes(report) == [("kv-open", "KVA211")]
    assert report["vaults_audited"] == 1 and report["errors"] == []
    assert report["findings"][0]["subscription"] == SUB_A
    assert result.stderr.strip() == "1 vault audited in 1 subscription: 1 warning"


def test_stdin_and_a_clean_vault(kvlint):
    result = kvlint("audit", "--input", "-", input=json.dumps([CLEAN]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 vault audited in 1 subscription: no findings"


def test_table_output(kvlint, tmp_path):
    result = kvlint("audit", "--input", write(tmp_path, [OPEN, LOCKED, CLEAN]))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["VAULT", "CODE", "SEVERITY", "MESSAGE"]
    assert lines[1].startswith("kv-locked  KVA212  error     publicNetworkAccess Disabled")
    assert lines[-1] == "3 vaults audited in 1 subscription: 1 error, 1 warning, 1 info"
    assert max(map(len, lines)) <= 120  # wrapped to the width


def test_markdown_output(kvlint, tmp_path):
    result = kvlint(
        "audit",
        "--input",
        write(tmp_path, [OPEN, LOCKED, CLEAN]),
        "--format",
        "markdown",
        "--principal",
        APP,
        "--ip",
        "203.0.113.4",
    )
    assert result.returncode == 1
    text = result.stdout
    assert text.startswith("# Key Vault audit\n\n3 vaults audited in 1 subscription: 2 errors")
    assert (
        "Reachability of 7c0e35b1-53e6-4f4e-9b8a-1d2f3e4a5b6c from 203.0.113.4 (secrets/get): "
        "allowed on kv-clean, kv-open." in text
    )
    # the worst vault first, each with its id and a table linking the rule documentation
    assert text.index("## kv-locked") < text.index("## kv-open")
    assert f"`{LOCKED['id']}`" in text
    rule = catalog.get("KVA212")
    assert f"| [KVA212]({rule.help_uri}) | vault-unreachable | error |" in text
    assert "| KVA501" not in text and "[KVA501]" in text


def test_sarif_output(kvlint, tmp_path):
    result = kvlint(
        "audit", "--input", write(tmp_path, [OPEN, {"id": "x", "name": "y"}]), "--format", "sarif"
    )
    log = json.loads(result.stdout)
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(catalog.codes("audit"))
    (finding,) = run["results"]
    assert finding["ruleId"] == "KVA211" and finding["level"] == "warning"
    location = finding["locations"][0]["logicalLocations"][0]
    assert location == {"name": "kv-open", "fullyQualifiedName": OPEN["id"], "kind": "resource"}
    rules = run["tool"]["driver"]["rules"]
    assert rules[finding["ruleIndex"]]["id"] == "KVA211"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "malformed vault" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_fail_on_and_output_file(kvlint, tmp_path):
    data = write(tmp_path, [vault("kv-short", softDeleteRetentionInDays=30)])  # one info finding
    assert kvlint("audit", "--input", data).returncode == 0  # default: warning
    assert kvlint("audit", "--input", data, "--fail-on", "info").returncode == 1
    out = tmp_path / "report.md"
    result = kvlint(
        "audit",
        "--input",
        data,
        "--format",
        "markdown",
        "--output-file",
        str(out),
        "--fail-on",
        "info",
    )
    assert result.returncode == 1 and result.stdout == ""
    assert out.read_text().startswith("# Key Vault audit")
    assert result.stderr.strip() == "1 vault audited in 1 subscription: 1 info"


def test_malformed_and_foreign_documents_are_errors(kvlint, tmp_path):
    storage = {
        "id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/s",
        "name": "s",
        "type": "Microsoft.Storage/storageAccounts",
    }
    broken = vault("kv-broken", accessPolicies="everyone")
    result = kvlint(
        "audit", "--input", write(tmp_path, [CLEAN, storage, broken]), "--format", "json"
    )
    report = json.loads(result.stdout)
    assert result.returncode == 1  # the audit is incomplete
    assert report["vaults_audited"] == 1
    assert [(e["scope"], e["message"]) for e in report["errors"]] == [
        (storage["id"], "not a Key Vault (type Microsoft.Storage/storageAccounts)"),
        (broken["id"], "malformed vault: properties.accessPolicies must be a list"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "missing.json"], "cannot read missing.json"),
        (["--input", "bad.json"], "bad.json: not JSON"),
        (["--input", "scalar.json"], "scalar.json: found a JSON int; expected vaults"),
        ([], "choose one source"),
        (["--input", "x.json", "--subscription", SUB_A], "(got --subscription, --input)"),
        (["--subscription", "prod"], "--subscription 'prod' is not a subscription id"),
        (["--input", "-", "--principal", APP], "--principal and --ip go together"),
        (["--input", "-", "--permission", "secrets/get"], "need --principal and --ip"),
        (["--input", "-", "--principal", "me", "--ip", "1.2.3.4"], "is not a GUID"),
        (["--input", "-", "--principal", APP, "--ip", "::1"], "IPv4 only"),
    ],
)
def test_usage_errors_exit_2_with_one_line(kvlint, tmp_path, args, message):
    (tmp_path / "bad.json").write_text("{oops")
    (tmp_path / "scalar.json").write_text("42")
    result = kvlint("audit", *args, cwd=tmp_path, input="[]")
    assert result.returncode == 2
    assert result.stderr.startswith("kvlint: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_tenant_option_reports_vaults_of_another_tenant(kvlint, tmp_path):
    data = write(tmp_path, [CLEAN])
    assert kvlint("audit", "--input", data, "--tenant", TENANT).returncode == 0
    result = kvlint("audit", "--input", data, "--tenant", OTHER_TENANT, "--format", "json")
    assert codes(json.loads(result.stdout)) == [("kv-clean", "KVA102")]


def test_resource_group_and_vault_narrow_file_input(kvlint, tmp_path):
    data = write(tmp_path, [OPEN, vault("kv-other", rg="other", networkAcls=None)])
    result = kvlint("audit", "--input", data, "--resource-group", "OTHER", "--format", "json")
    assert codes(json.loads(result.stdout)) == [("kv-other", "KVA211")]
    result = kvlint("audit", "--input", data, "--vault", "KV-OPEN", "--format", "json")
    assert codes(json.loads(result.stdout)) == [("kv-open", "KVA211")]


def test_reachability_from_the_command_line(kvlint, tmp_path):
    data = write(
        tmp_path, [CLEAN, vault("kv-list-only", accessPolicies=[policy(secrets=("list",))])]
    )
    result = kvlint(
        "audit", "--input", data, "--principal", APP, "--ip", "198.51.100.1", "--format", "json"
    )
    report = json.loads(result.stdout)
    # every gate that stops the caller: the firewall and, for kv-list-only, the policy too
    assert codes(report) == [
        ("kv-clean", "KVA501"),
        ("kv-list-only", "KVA501"),
        ("kv-list-only", "KVA503"),
    ]
    result = kvlint(
        "audit",
        "--input",
        data,
        "--principal",
        APP,
        "--ip",
        "203.0.113.1",
        "--permission",
        "secrets/get",
        "--format",
        "json",
    )
    assert codes(json.loads(result.stdout)) == [("kv-list-only", "KVA503")]


def test_config_ignore_waivers_and_thresholds(kvlint, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.kvlint.audit]\n"
        'ignore = ["KVA402"]\n'
        "min-retention-days = 30\n"
        "[[tool.kvlint.audit.waivers]]\n"
        'vault = "kv-open*"\n'
        'codes = ["KVA211"]\n'
        'reason = "public by design (INFRA-123)"\n'
        "[[tool.kvlint.audit.waivers]]\n"
        f'vault = "/subscriptions/{SUB_A}/*/kv-legacy"\n'
        'reason = "being decommissioned"\n'
    )
    nested = tmp_path / "infra" / "reviews"
    nested.mkdir(parents=True)
    docs = [
        vault("kv-open", networkAcls=None, enablePurgeProtection=None),
        vault("kv-open2", networkAcls=None, enableSoftDelete=False),
        vault("kv-legacy", accessPolicies=[]),
        vault("kv-short", softDeleteRetentionInDays=30),
    ]
    data = write(tmp_path, docs)
    result = kvlint("audit", "--input", data, "--format", "json", cwd=nested)
    assert codes(json.loads(result.stdout)) == [("kv-open2", "KVA401")]
    markdown = kvlint("audit", "--input", data, "--format", "markdown", cwd=nested).stdout
    assert "## Waived" in markdown
    assert "| kv-open | KVA211 | public by design (INFRA-123) |" in markdown
    assert "| kv-legacy | KVA201 | being decommissioned |" in markdown
    table = kvlint("audit", "--input", data, cwd=nested).stdout
    assert table.strip().endswith("4 vaults audited in 1 subscription: 1 warning; 3 waived")


def test_config_errors_name_the_key(kvlint, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kvlint.audit]\nmax-principal = 3\n")
    result = kvlint("audit", "--input", "-", cwd=tmp_path, input="[]")
    assert result.returncode == 2
    assert "unknown key 'max-principal'" in result.stderr


def test_audit_input_never_imports_the_azure_sdks(tmp_path):
    data = write(tmp_path, [OPEN])
    code = (
        "import sys; from kvlint import cli; rc = cli.main(['audit', '--input', sys.argv[1], "
        "'--format', 'json', '--principal', '" + APP + "', '--ip', '203.0.113.1']); "
        "loaded = sorted(m for m in sys.modules if m.startswith('azure')); "
        "print(loaded, file=sys.stderr); sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, data],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_rule_documentation_for_audit_codes(kvlint):
    result = kvlint("rule", "KVA212")
    assert result.returncode == 0
    assert result.stdout.startswith("# KVA212 vault-unreachable")
    assert "Reported by `kvlint audit`" in result.stdout
    assert "learn.microsoft.com/azure/key-vault" in result.stdout


def test_force_exclude_skips_named_files_in_excluded_folders(kvlint, tmp_path):
    (tmp_path / "dist").mkdir()
    inside = write(tmp_path / "dist", [OPEN], "v.json")
    outside = write(tmp_path, [vault("kv-kept", networkAcls=None)], "kept.json")
    result = kvlint("audit", "--force-exclude", inside, outside, "--format", "json", cwd=tmp_path)
    assert codes(json.loads(result.stdout)) == [("kv-kept", "KVA211")]
    named = kvlint("audit", inside, "--format", "json", cwd=tmp_path)  # named without the flag
    assert codes(json.loads(named.stdout)) == [("kv-open", "KVA211")]
