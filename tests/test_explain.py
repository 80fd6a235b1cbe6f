"""``kvlint explain`` on real error texts (tests/data/explain/cases.yaml, each with its source).

Every case runs through the real entry point in-process (``kvlint.cli.main``), as a user pastes
it: from a file (``@FILE``); the explanation the case names is asserted field by field.
"""

from __future__ import annotations

import json

import pytest
import yaml

from kvlint import catalog
from kvlint.cli import main
from tests.conftest import ROOT

CASES = yaml.safe_load((ROOT / "tests" / "data" / "explain" / "cases.yaml").read_text("utf-8"))


def explain(tmp_path, capsys, text: str, *args: str) -> tuple[int, dict]:
    path = tmp_path / "paste.txt"
    path.write_text(text, encoding="utf-8")
    code = main(["explain", f"@{path}", "--format", "json", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return code, json.loads(out.out) if out.out else {}


def test_there_are_at_least_30_cited_cases():
    assert len(CASES) >= 30
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert case["source"].startswith("https://"), case["id"]


def _field(item: dict, name: str):
    if "." in name:
        group, key = name.split(".", 1)
        return (item.get(group) or {}).get(key, "")
    return item.get(name) or ""


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_real_error_texts_are_explained(case, tmp_path, capsys):
    code, doc = explain(tmp_path, capsys, case["text"])
    expect = dict(case["expect"])
    assert code == 1
    assert [e["code"] for e in doc["explanations"]] == expect.pop("codes")
    first = doc["explanations"][0]
    for name, wanted in expect.items():
        if name == "fix":
            got = [f["command"] for f in first["fixes"]]
        elif name == "widens":
            got = [f["widens_access"] for f in first["fixes"]]
        elif name == "note":
            got = first["notes"]
        elif name == "lacks":
            got = doc["missing"]
        else:
            got = [str(_field(first, name))]
        assert any(str(wanted) in g for g in got), f"{name}: {wanted!r} not in {got!r}"


def test_text_output_of_a_real_paste(tmp_path, capsys):
    case = next(c for c in CASES if c["id"] == "az-cli-user-rbac-getsecret")
    path = tmp_path / "paste.txt"
    path.write_text(case["text"], encoding="utf-8")
    assert main(["explain", f"@{path}"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("read as: az CLI output; 1 explanation\n")
    assert "KVL302 refused-by-rbac [identity gate] vault aoaisimaoaisimdevsl2" in out
    assert "identity: object id 207e277f-a838-4c61-940a-950b06cd1cc8" in out
    assert "fix: az role assignment create --role 'Key Vault Secrets User'" in out
    assert "caveat, widens access:" in out


def test_markdown_output(tmp_path, capsys):
    case = next(c for c in CASES if c["id"] == "steampipe-access-policy-secrets-list")
    path = tmp_path / "paste.txt"
    path.write_text(case["text"], encoding="utf-8")
    assert main(["explain", f"@{path}", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("# kvlint explain\n")
    assert "## KVL301 " in out and "```sh\naz keyvault set-policy --name diskvault001" in out


def test_text_with_no_key_vault_or_entra_error_is_one_line_and_exit_2(capsys):
    assert main(["explain", "the build failed: npm ERR! code ELIFECYCLE"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1 and out.err.startswith("kvlint: error: no Key Vault or Entra")


def test_a_missing_file_is_one_line(capsys, tmp_path):
    assert main(["explain", f"@{tmp_path / 'nope.txt'}"]) == 2
    assert capsys.readouterr().err.startswith("kvlint: error: ")


def test_stdin(monkeypatch, capsys):
    import io

    text = 'Status=403 Code="Forbidden" Message="Public network access is disabled and request is not from a trusted service nor via an approved private link."'
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["explain", "-"]) == 1
    assert "KVL202" in capsys.readouterr().out


def test_a_pasted_token_or_secret_is_never_echoed_whole(tmp_path, capsys):
    header = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9"
    payload = "eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIiwib2lkIjoiMSJ9"
    token = f"{header}.{payload}.c2lnbmF0dXJlc2lnbmF0dXJl"
    secret = "Zq8~Xk3pQ.vT9wLm2Ns7Rb4Yc6Hd1Jf0Gh5Ke"
    text = (
        f"Authorization: Bearer {token}\nclient_secret={secret}\n"
        'Status=401 Code="Unauthorized" Message="AKV10022: Invalid audience. Expected '
        'https://vault.azure.net, found: https://management.azure.com/."'
    )
    for fmt in ("text", "json", "markdown"):
        path = tmp_path / "paste.txt"
        path.write_text(text, encoding="utf-8")
        assert main(["explain", f"@{path}", "--format", fmt]) == 1
        out = capsys.readouterr()
        assert token not in out.out + out.err and secret not in out.out + out.err
        assert payload not in out.out


def test_control_characters_and_markup_in_a_paste_are_escaped(tmp_path, capsys):
    text = (
        'Status=403 Code="Forbidden" Message="Client address is not authorized and caller is '
        "not a trusted service.\\r\\nClient address: 203.0.113.7\\r\\nCaller: "
        "appid=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d;oid=1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e;"
        "iss=https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/\\r\\n"
        'Vault: kv-x;location=westeurope\x1b]0;PWNED\x07"'
    )
    path = tmp_path / "paste.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["explain", f"@{path}"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "fix: az keyvault network-rule add --name kv-x --ip-address 203.0.113.7/32" in out


def test_every_value_in_a_fix_is_shell_quoted(tmp_path, capsys):
    text = (
        "Status=403 Message=\"The user, group or application 'appid=0a1b2c3d-4e5f-4a6b-8c7d-"
        "9e0f1a2b3c4d;oid=1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e;iss=https://sts.windows.net/"
        "72f988bf-86f1-41af-91ab-2d7cd011db47/' does not have secrets get permission on key vault "
        '\'kv-a;location=westeurope\'" InnerError={"code":"AccessDenied"}'
    )
    _, doc = explain(tmp_path, capsys, text)
    import shlex

    for fix in doc["explanations"][0]["fixes"]:
        words = shlex.split(fix["command"])
        assert words[:3] == ["az", "keyvault", "set-policy"]
        assert "kv-a" in words and "get" in words


@pytest.mark.parametrize("code", catalog.codes("explain"))
def test_every_kve_page_example_explains_as_its_code(code, tmp_path, capsys):
    _, doc = explain(tmp_path, capsys, catalog.get(code).example)
    assert [e["code"] for e in doc["explanations"]] == [code]


# -- checked against configuration (--input, the audit's exported shapes and gates) --------------

VAULTS = str(ROOT / "tests" / "data" / "explain" / "vaults.json")
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _firewall(address: str) -> str:
    return (
        'Status=403 Code="Forbidden" Message="Client address is not authorized and caller is not '
        f"a trusted service.\\r\\nClient address: {address}\\r\\nCaller: appid=0a1b2c3d-4e5f-4a6b-"
        f"8c7d-9e0f1a2b3c4d;oid=2f1c7d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f;iss=https://sts.windows.net/"
        f'{TENANT}/\\r\\nVault: kv-pay;location=westeurope" InnerError={{"code":"ForbiddenByFirewall"}}'
    )


def _policy(oid: str) -> str:
    return (
        f"Status=403 Message=\"The user, group or application 'appid=0a1b2c3d-4e5f-4a6b-8c7d-"
        f"9e0f1a2b3c4d;oid={oid};iss=https://sts.windows.net/{TENANT}/' does not have secrets get "
        'permission on key vault \'kv-pay;location=westeurope\'" InnerError={"code":"AccessDenied"}'
    )


@pytest.mark.parametrize(
    ("text", "state", "exit_code"),
    [
        (_firewall("198.51.100.7"), "still refused today", 1),
        (_firewall("203.0.113.9"), "admitted today", 0),
        # its own entry grants only list; another object's grants get, and that object may be
        # a group it belongs to: the audit leaves it undecided (KVA505), and so does explain
        (_policy("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"), "not verified", 1),
        (_policy("2f1c7d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"), "admitted today", 0),
    ],
)
def test_input_says_whether_it_is_still_refused_today(text, state, exit_code, tmp_path, capsys):
    code, doc = explain(tmp_path, capsys, text, "--input", VAULTS)
    assert code == exit_code
    (item,) = doc["explanations"]
    assert item["configuration"] == state, item["configuration_note"]
    assert doc["vaults_checked"] == 1


def test_input_rbac_uses_the_exported_role_assignments(tmp_path, capsys):
    case = next(c for c in CASES if c["id"] == "az-cli-user-rbac-getsecret")
    text = case["text"].replace("aoaisimaoaisimdevsl2", "kv-rbac")
    # as pasted, the caller's token comes from another tenant than the vault's: the audit's
    # tenant gate says so before any role is looked at
    code, doc = explain(tmp_path, capsys, text, "--input", VAULTS)
    assert doc["explanations"][0]["configuration_note"].startswith("KVT105")
    text = text.replace("43dc75e3-499a-40cd-891a-ba9f8e445365", TENANT)
    code, doc = explain(tmp_path, capsys, text, "--input", VAULTS)
    (item,) = doc["explanations"]
    assert item["configuration"] == "admitted today", item["configuration_note"]
    assert code == 0
    other = text.replace(
        "207e277f-a838-4c61-940a-950b06cd1cc8", "31c4f8a2-0b6d-4e7f-9a1b-2c3d4e5f6a7b"
    )
    code, doc = explain(tmp_path, capsys, other, "--input", VAULTS)
    assert doc["explanations"][0]["configuration"] == "still refused today"
    assert code == 1


def test_input_public_network_disabled_is_still_refused(tmp_path, capsys):
    text = (
        'Status=403 Message="Public network access is disabled and request is not from a '
        "trusted service nor via an approved private link.\\r\\nClient address: 198.51.100.7\\r\\n"
        'Vault: kv-closed;location=westeurope"'
    )
    _, doc = explain(tmp_path, capsys, text, "--input", VAULTS)
    (item,) = doc["explanations"]
    assert item["code"] == "KVL202" and item["configuration"] == "still refused today"
    assert "ForbiddenByConnection" in item["configuration_note"]


def test_input_without_the_vault_says_so(tmp_path, capsys):
    case = next(c for c in CASES if c["id"] == "steampipe-access-policy-secrets-list")
    code, doc = explain(tmp_path, capsys, case["text"], "--input", VAULTS)
    assert code == 1
    assert doc["explanations"][0]["configuration"] == "vault not in --input"


# -- shapes: AuditEvent records, raw HTTP responses -----------------------------------------------


def test_an_auditevent_record_is_read_with_the_logs_face_reader(tmp_path, capsys):
    from tests.logs_data import record

    doc = record(1772445600.0, "kv-closed", status=403)
    doc["resultDescription"] = (
        "Public network access is disabled and request is not from a trusted service nor via an "
        "approved private link."
    )
    doc["properties"]["isAddressAuthorized"] = False
    code, out = explain(tmp_path, capsys, json.dumps(doc))
    assert code == 1
    assert out["read_as"] == ["AuditEvent record"]
    (item,) = out["explanations"]
    assert item["code"] == "KVL202" and item["address"] == "20.50.9.9"
    assert item["identity"]["object_id"] == "6e7f8091-ab2c-4d3e-9f40-5b6c7d8e9fa0"
    assert not any("network-rule add" in f["command"] for f in item["fixes"])


def test_auditevent_records_with_no_refusal_are_one_line(tmp_path, capsys):
    from tests.logs_data import record

    path = tmp_path / "ok.json"
    path.write_text(json.dumps(record(1772445600.0, "kv-a")), encoding="utf-8")
    assert main(["explain", f"@{path}"]) == 2
    assert (
        "no Key Vault or Entra ID error found in the AuditEvent records" in capsys.readouterr().err
    )


def test_a_raw_http_response_with_retry_after(tmp_path, capsys):
    text = (
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Type: application/json\r\n"
        "x-ms-keyvault-service-version: 1.9.1720.1\r\n"
        "x-ms-keyvault-network-info: conn_type=Ipv4;addr=52.168.128.86;act_addr_fam=InterNetwork;\r\n"
        "\r\n"
        '{"error":{"code":"Throttled","message":"Request was not processed because too many '
        'requests were received. Reason: VaultRequestTypeLimitReached"}}'
    )
    code, doc = explain(tmp_path, capsys, text)
    assert code == 1 and doc["retry_after_seconds"] == 7 and doc["status"] == 429
    (item,) = doc["explanations"]
    assert item["code"] == "KVL401" and "wait 7 s" in item["message"]
    assert "raw HTTP response" in doc["read_as"] and "REST error body" in doc["read_as"]


def test_a_raw_401_with_www_authenticate_and_network_info(tmp_path, capsys):
    text = (
        "HTTP/1.1 401 Unauthorized\r\n"
        'WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/'
        f'{TENANT}", resource="https://vault.azure.net"\r\n'
        "x-ms-keyvault-network-info: conn_type=Ipv4;addr=52.168.128.86;act_addr_fam=InterNetwork;\r\n"
        "\r\n"
        '{"error":{"code":"Unauthorized","message":"AKV10032: Invalid issuer. Expected one of '
        f"https://sts.windows.net/{TENANT}/, found https://sts.windows.net/"
        '11111111-2222-4333-8444-555555555555/."}}'
    )
    _, doc = explain(tmp_path, capsys, text)
    (item,) = doc["explanations"]
    assert item["code"] == "KVL106" and item["missing"]["tenant"] == TENANT
    assert any(f["command"] == f"az login --tenant {TENANT}" for f in item["fixes"])


# -- the README's examples, run as written ----------------------------------------------------------


def _readme_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## `kvlint explain`") :]
    return section[: section.index("\n## ", 1)]


def test_readme_examples_work_as_written(monkeypatch, capsys):
    import io
    import re
    import shlex

    monkeypatch.chdir(ROOT)
    (block,) = re.findall(r"```sh\n(.*?)```", _readme_section(), re.DOTALL)
    lines = [line for line in block.splitlines() if line.startswith("kvlint explain")]
    assert len(lines) == 4
    for line in lines:
        words = shlex.split(line)
        if "<" in words:
            at = words.index("<")
            stdin = (ROOT / words[at + 1]).read_text(encoding="utf-8")
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
            words = words[:at]
        code = main(words[1:])
        out = capsys.readouterr()
        assert code == 1, (line, out.err)
        assert out.out and not out.err
        if "--format json" in line:
            assert json.loads(out.out)["explanations"][0]["code"] == "KVE104"
        if "--format markdown" in line:
            assert out.out.startswith("# kvlint explain")


def test_readme_output_is_what_kvlint_prints(monkeypatch, capsys):
    import re

    monkeypatch.chdir(ROOT)
    (shown,) = re.findall(r"```text\n(.*?)```", _readme_section(), re.DOTALL)
    assert main(["explain", "@tests/data/explain/az-rbac.txt"]) == 1
    assert capsys.readouterr().out == shown


def test_hostile_pastes_never_crash(tmp_path, capsys):
    import random

    rng = random.Random(26)
    samples = [
        "",
        "\x00\x01\x02" * 100,
        "[" * 100_000,
        '{"error": ' * 5000,
        "Status=403 " * 20_000,
        "AADSTS" * 50_000,
        "Caller: appid=" + "a" * 100_000,
        json.dumps({"records": [{"operationName": "SecretGet", "time": "x"}] * 50}),
        "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(20_000)),
        bytes(rng.randrange(256) for _ in range(20_000)).decode("latin-1"),
    ]
    for text in samples:
        path = tmp_path / "paste.txt"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        for fmt in ("text", "json", "markdown"):
            code = main(["explain", f"@{path}", "--format", fmt])
            out = capsys.readouterr()
            assert code in (1, 2) and "Traceback" not in out.err and "internal error" not in out.err


def test_explain_needs_no_azure_sdk(monkeypatch, tmp_path, capsys):
    """The lean core explains and checks against --input: no Azure SDK module is imported."""
    import sys

    from kvlint import extras

    for name in extras.EXTRAS["azure"][1]:
        monkeypatch.setitem(sys.modules, name, None)
    code, doc = explain(tmp_path, capsys, _firewall("198.51.100.7"), "--input", VAULTS)
    assert code == 1 and doc["explanations"][0]["configuration"] == "still refused today"
    case = next(c for c in CASES if c["id"] == "workload-identity-aadsts70021")
    code, doc = explain(tmp_path, capsys, case["text"])
    assert code == 1 and doc["explanations"][0]["code"] == "KVE108"


# -- checked live (--check-config), read-only, against the local ARM stub -------------------------


def _serve_vault(stub, name: str) -> dict:
    from tests.arm_stub import Reply

    docs = json.loads((ROOT / "tests" / "data" / "explain" / "vaults.json").read_text())
    doc = next(d for d in docs if d.get("name") == name)
    group = doc["id"].rsplit("/providers/", 1)[0]
    stub.add("GET", doc["id"], Reply(200, doc))
    stub.add("GET", f"{group}/providers/Microsoft.KeyVault/managedHSMs", Reply(200, {"value": []}))
    return doc


def _run_live(stub, text: str, tmp_path, capsys) -> tuple[int, dict]:
    import argparse

    from kvlint.commands import explain as command
    from tests.arm_stub import connect

    path = tmp_path / "paste.txt"
    path.write_text(text, encoding="utf-8")
    parser = argparse.ArgumentParser()
    command.add_arguments(parser, "explain")
    args = parser.parse_args([f"@{path}", "--check-config", "--format", "json"])
    code = command.run(args, azure=connect(stub))
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("assigned", "state", "exit_code"),
    [(True, "admitted today", 0), (False, "still refused today", 1)],
)
def test_check_config_reads_the_vault_and_the_callers_roles(
    stub, tmp_path, capsys, assigned, state, exit_code
):
    from tests.arm_stub import Reply, assert_read_only

    doc = _serve_vault(stub, "kv-rbac")
    sub = doc["id"].split("/")[2]
    oid = "207e277f-a838-4c61-940a-950b06cd1cc8"
    value = [
        {
            "id": f"{doc['id']}/providers/Microsoft.Authorization/roleAssignments/a1",
            "name": "a1",
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
                "roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
                "principalId": oid,
                "principalType": "User",
                "scope": doc["id"],
            },
        }
    ]
    stub.add(
        "GET",
        doc["id"] + "/providers/Microsoft.Authorization/roleAssignments",
        Reply(200, {"value": value if assigned else []}),
    )
    case = next(c for c in CASES if c["id"] == "az-cli-user-rbac-getsecret")
    text = (
        case["text"]
        .replace("aoaisimaoaisimdevsl2", "kv-rbac")
        .replace("f95180d7-b5fc-49c8-a9a7-5b3ee0d8ffc6", sub)
        .replace("resourcegroups/aoaisim/", "resourcegroups/rg-prod/")
        .replace("43dc75e3-499a-40cd-891a-ba9f8e445365", TENANT)
    )
    code, out = _run_live(stub, text, tmp_path, capsys)
    (item,) = out["explanations"]
    assert item["configuration"] == state, item["configuration_note"]
    assert code == exit_code and out["vaults_checked"] == 1
    (listing,) = [r for r in stub.seen("GET") if r.path.endswith("roleAssignments")]
    assert listing.query["$filter"] == [f"assignedTo('{oid}')"]
    assert_read_only(stub)


def test_check_config_without_a_resource_id_reads_nothing(stub, tmp_path, capsys):
    case = next(c for c in CASES if c["id"] == "steampipe-access-policy-secrets-list")
    code, out = _run_live(stub, case["text"], tmp_path, capsys)
    assert code == 1 and out["explanations"][0]["configuration"] == "not verified"
    assert "no vault resource id" in out["explanations"][0]["configuration_note"]
    assert stub.seen("GET") == []


def test_check_config_without_the_azure_extra_is_one_line(monkeypatch, capsys):
    import sys

    from kvlint import extras

    for name in extras.EXTRAS["azure"][1]:
        monkeypatch.setitem(sys.modules, name, None)
    assert main(["explain", "AADSTS90002: Tenant 'x' not found.", "--check-config"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "kvlint: error: kvlint explain --check-config needs the Azure SDK, which is not "
        "installed: pip install 'kvlint-azure[azure]'"
    ]


def test_markdown_fences_outlast_backticks_in_pasted_names(tmp_path, capsys):
    text = (
        'Status=409 Code="Conflict" Message="Secret a is currently in a deleted but recoverable '
        'state." https://kv-a.vault.azure.net/secrets/a```b'
    )
    path = tmp_path / "paste.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["explain", f"@{path}", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert "````sh\naz keyvault secret recover --vault-name kv-a --name 'a```b'\n````" in out


def test_the_challenge_names_the_vaults_tenant(tmp_path, capsys):
    text = (
        "HTTP/1.1 401 Unauthorized\r\n"
        'WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/'
        f'{TENANT}", resource="https://vault.azure.net"\r\n\r\n'
        '{"error":{"code":"Unauthorized","message":"AKV10032: Invalid issuer."}}'
    )
    _, doc = explain(tmp_path, capsys, text)
    (item,) = doc["explanations"]
    assert item["code"] == "KVL106" and item["missing"]["tenant"] == TENANT
    assert any("the vault's tenant" in n for n in item["notes"])
    assert doc["challenge"] == {
        "authorization": f"https://login.microsoftonline.com/{TENANT}",
        "resource": "https://vault.azure.net",
    }


@pytest.mark.parametrize(
    "text",
    [
        # an S3 refusal and an Azure Storage one: generic words, no Key Vault in sight
        "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
        "Status: 403 (This request is not authorized to perform this operation using this "
        "permission.) ErrorCode: AuthorizationPermissionMismatch",
        "401 Unauthorized: TokenExpired (graph.microsoft.com)",
    ],
)
def test_other_services_refusals_are_not_key_vault_refusals(text, capsys):
    assert main(["explain", text]) == 2
    assert "no Key Vault or Entra ID error" in capsys.readouterr().err


def test_the_credential_a_log_names_tells_who_called(tmp_path, capsys):
    """An Azure.Identity log line before the refusal says which credential gave the token."""
    text = (
        "info: Azure.Identity[1] DefaultAzureCredential.GetToken succeeded. Scopes: "
        "[ https://vault.azure.net/.default ]\n"
        "info: Azure.Identity[1] ManagedIdentityCredential.GetToken succeeded.\n"
        "Azure.RequestFailedException: Caller is not authorized to perform action on resource.\n"
        "Caller: appid=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d;oid=1b2c3d4e-5f6a-4b7c-8d9e-"
        f"0f1a2b3c4d5e;iss=https://sts.windows.net/{TENANT}/\n"
        "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\n"
        "Vault: kv-app;location=westeurope\nStatus: 403 (Forbidden)\nErrorCode: Forbidden"
    )
    _, doc = explain(tmp_path, capsys, text)
    (item,) = doc["explanations"]
    assert item["identity"]["kind"].startswith("a managed identity (ManagedIdentityCredential")
    assert "--assignee-principal-type ServicePrincipal" in item["fixes"][0]["command"]


def test_several_terraform_errors_are_each_explained(tmp_path, capsys):
    firewall = next(c for c in CASES if c["id"] == "terraform-firewall-address-redacted")
    rbac = next(c for c in CASES if c["id"] == "terraform-rbac-getsecret-redacted")
    text = firewall["text"] + "╵\n╷\n" + rbac["text"] + "╵\n╷\n" + rbac["text"]
    _, doc = explain(tmp_path, capsys, text)
    assert [e["code"] for e in doc["explanations"]] == ["KVL201", "KVL302"]
    assert [e["vault"] for e in doc["explanations"]] == ["xxx-keyvault-prod", "test-piyush-kv-1011"]
