"""``kvlint audit --token``: the token's oid is the caller, its tid and aud are checked per vault."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from kvlint.audit import reach
from kvlint.audit.model import normalize
from tests.audit_data import APP, OTHER, OTHER_TENANT, TENANT, policy, vault
from tests.token_data import make_jwt, v1_app

INSIDE = "203.0.113.5"  # admitted by the default vault's 203.0.113.0/28 rule
OUTSIDE = "198.51.100.7"


def caller_token(**overrides) -> str:
    """An app-only token for the audit data's caller (APP) in the audit data's tenant."""
    now = datetime.now(timezone.utc)
    return make_jwt(v1_app(now=now, oid=APP, sub=APP, tid=TENANT, **overrides))


def run_audit(kvlint, tmp_path, vaults, token, *extra, ip=INSIDE):
    data = tmp_path / "vaults.json"
    data.write_text(json.dumps(vaults), encoding="utf-8")
    token_file = tmp_path / "token.txt"
    token_file.write_text(f"Authorization: Bearer {token}\n", encoding="utf-8")
    result = kvlint("audit", "--input", str(data), "--token", f"@{token_file}", "--ip", ip, *extra)
    assert token not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def codes(result) -> list[tuple[str, str]]:
    return [(f["vault"], f["code"]) for f in json.loads(result.stdout)["findings"]]


def test_token_explains_each_vault(kvlint, tmp_path):
    vaults = [
        vault("kv-ok"),
        vault("kv-foreign", tenantId=OTHER_TENANT, accessPolicies=[policy(tenant=OTHER_TENANT)]),
        vault("kv-china", vaultUri="https://kv-china.vault.azure.cn/"),
        vault("kv-no-policy", accessPolicies=[policy(OTHER, secrets=("list",))]),
    ]
    result = run_audit(kvlint, tmp_path, vaults, caller_token(), "--format", "json")
    assert result.returncode == 1, result.stderr
    assert codes(result) == [
        ("kv-china", "KVT102"),
        ("kv-foreign", "KVT105"),
        ("kv-no-policy", "KVA502"),
    ]
    findings = {f["vault"]: f for f in json.loads(result.stdout)["findings"]}
    assert (
        "kv-china.vault.azure.cn needs 'https://vault.azure.cn'"
        in (findings["kv-china"]["message"])
    )
    assert (
        f"issued by tenant '{TENANT}' but the vault is in tenant '{OTHER_TENANT}'"
        in (findings["kv-foreign"]["message"])
    )
    assert findings["kv-foreign"]["severity"] == "error"
    assert f"no access policy for object {APP}" in findings["kv-no-policy"]["message"]


def test_a_good_token_gets_in_and_the_table_says_so(kvlint, tmp_path):
    vaults = [vault("kv-ok"), vault("kv-no-policy", accessPolicies=[policy(OTHER)])]
    result = run_audit(kvlint, tmp_path, vaults, caller_token())
    assert result.returncode == 1
    assert f"reachability of {APP} from {INSIDE} (secrets/get): allowed on kv-ok" in result.stdout


def test_expired_token_is_refused_everywhere(kvlint, tmp_path):
    stale = datetime.now(timezone.utc) - timedelta(hours=2)
    token = make_jwt(v1_app(now=stale, oid=APP, sub=APP, tid=TENANT))
    result = run_audit(kvlint, tmp_path, [vault("kv-ok")], token, "--format", "json")
    assert result.returncode == 1
    assert codes(result) == [("kv-ok", "KVT103")]


def test_tenant_comes_before_the_firewall(kvlint, tmp_path):
    vaults = [
        vault("kv-foreign", tenantId=OTHER_TENANT, accessPolicies=[policy(tenant=OTHER_TENANT)]),
        vault("kv-home"),
    ]
    result = run_audit(kvlint, tmp_path, vaults, caller_token(), "--format", "json", ip=OUTSIDE)
    # every gate, in Key Vault's order: the tenant (401) first, then the firewall
    assert codes(result) == [
        ("kv-foreign", "KVT105"),
        ("kv-foreign", "KVA501"),
        ("kv-home", "KVA501"),
    ]


def test_without_vault_uri_the_cloud_decides_the_audience(kvlint, tmp_path):
    vaults = [vault("kv-cn", vaultUri=None)]
    result = run_audit(
        kvlint, tmp_path, vaults, caller_token(), "--cloud", "china", "--format", "json"
    )
    assert codes(result) == [("kv-cn", "KVT102")]
    assert "kv-cn.vault.azure.cn needs 'https://vault.azure.cn'" in result.stdout
    good = run_audit(
        kvlint,
        tmp_path,
        vaults,
        caller_token(aud="https://vault.azure.cn"),
        "--cloud",
        "china",
        "--format",
        "json",
    )
    assert good.returncode == 0, good.stdout
    assert codes(good) == []


def test_token_findings_carry_rule_metadata_in_sarif(kvlint, tmp_path):
    vaults = [vault("kv-foreign", tenantId=OTHER_TENANT, accessPolicies=[])]
    result = run_audit(kvlint, tmp_path, vaults, caller_token(), "--format", "sarif")
    run = json.loads(result.stdout)["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    token_results = [r for r in run["results"] if r["ruleId"] == "KVT105"]
    assert len(token_results) == 1
    assert rule_ids[token_results[0]["ruleIndex"]] == "KVT105"


def test_token_from_stdin(kvlint, tmp_path):
    data = tmp_path / "vaults.json"
    data.write_text(json.dumps([vault("kv-ok")]), encoding="utf-8")
    token = caller_token()
    result = kvlint(
        "audit", "--input", str(data), "--token", "-", "--ip", INSIDE, input=f"Bearer {token}\n"
    )
    assert result.returncode == 0, result.stderr
    assert "allowed on kv-ok" in result.stdout
    assert token not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "error"),
    [
        (["--principal", APP, "--token", "TOKEN", "--ip", INSIDE], None, "not both"),
        (["--token", "TOKEN"], None, "--token and --ip go together"),
        (["--token", "-", "--ip", INSIDE], "[]", "cannot both read stdin"),
        (["--token", "NO-OID", "--ip", INSIDE], None, "has no oid and tid claims"),
        (["--token", "not.a-jwt", "--ip", INSIDE], None, "not a JWT"),
        (["--token", "BAD-OID", "--ip", INSIDE], None, "principal object id 'me' is not a GUID"),
    ],
)
def test_token_input_errors(kvlint, tmp_path, args, stdin, error):
    token = caller_token()
    replace = {
        "TOKEN": token,
        "NO-OID": make_jwt(v1_app(oid=None, tid=TENANT)),
        "BAD-OID": make_jwt(v1_app(oid="me", tid=TENANT)),
    }
    data = "-" if stdin is not None else str(tmp_path / "vaults.json")
    (tmp_path / "vaults.json").write_text("[]", encoding="utf-8")
    argv = [replace.get(arg, arg) for arg in args]
    result = kvlint("audit", "--input", data, *argv, input=stdin)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kvlint: error: ") and error in lines[0]
    for value in replace.values():
        assert value not in result.stderr


def test_foreign_token_in_rbac_mode_is_a_tenant_problem_not_a_role_problem():
    rbac = normalize(vault(enableRbacAuthorization=True, accessPolicies=[]))
    caller = reach.caller(reach.principal(APP, OTHER_TENANT), OUTSIDE)
    found = reach.gates(rbac, caller)
    # the foreign token's oid is another object in the vault's tenant: no role verdict on it
    assert [f.code for f in found] == ["KVT105", "KVA501"]
    assert "401 AKV10032 Invalid issuer" in found[0].message
