"""``kvlint logs --workspace``: the real LogsQueryClient over HTTPS against the local stub.

The stub plays Log Analytics' query API (``POST /v1/workspaces/{id}/query``), answering each of
kvlint's KQL queries (named on their first line) with the table Log Analytics would return for
a small scenario. Only the credential is a test double.
"""

from __future__ import annotations

import argparse
import json

import pytest

from kvlint.commands import logs as command
from kvlint.errors import KvlintError
from tests.arm_stub import FakeCredential, Reply, Request, error
from tests.logs_data import CALM_OID, HOT_OID

WORKSPACE = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
PATH = f"/v1/workspaces/{WORKSPACE}/query"
WEB_OID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
WEB_APP = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
HOT = "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-hot"
PAY = HOT.replace("kv-hot", "kv-pay")
FW = (
    "Client address is not authorized and caller is not a trusted service.\r\n"
    f"Client address: 203.0.113.7\r\nCaller: appid={WEB_APP};oid={WEB_OID};iss="
    "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/\r\nVault: kv-pay;location=westeurope"
)
RBAC = (
    "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny "
    "assignments or role definitions were changed recently, please observe propagation time.\r\n"
    "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nAssignment: (not found)"
)


def table(columns: str, *rows: list) -> dict:
    """A Log Analytics response table; ``columns`` is 'Name:type Name:type ...'."""
    cols = [dict(zip(("name", "type"), c.split(":"), strict=True)) for c in columns.split()]
    return {"tables": [{"name": "PrimaryResult", "columns": cols, "rows": [list(r) for r in rows]}]}


ANSWERS = {
    "totals": table(
        "Vault:string ResourceId:string Class:string Status:int Requests:long First:datetime Last:datetime",
        ["kv-hot", HOT, "secrets", 200, 13440, "2026-03-02T00:00:01Z", "2026-03-02T23:59:01Z"],
        ["kv-hot", HOT, "secrets", 429, 900, "2026-03-02T12:00:08Z", "2026-03-02T12:00:29Z"],
        ["kv-pay", PAY, "secrets", 403, 7, "2026-03-02T10:00:01Z", "2026-03-02T10:14:00Z"],
        ["kv-pay", PAY, "secrets", 200, 1, "2026-03-02T10:16:00Z", "2026-03-02T10:16:00Z"],
        ["kv-pay", PAY, "", 401, 3, "2026-03-02T10:02:00Z", "2026-03-02T10:03:10Z"],
    ),
    "windows": table(
        "Vault:string ResourceId:string Class:string Window:datetime Requests:long Throttled:long Units:long",
        ["kv-hot", HOT, "secrets", "2026-03-02T12:00:00Z", 4301, 300, 4001],
        ["kv-hot", HOT, "secrets", "2026-03-02T12:00:10Z", 4500, 500, 4000],
        ["kv-hot", HOT, "secrets", "2026-03-02T12:00:20Z", 4101, 100, 4001],
    ),
    "kinds": table("Vault:string Class:string KeyKind:string Requests:long"),
    "callers": table(
        "Vault:string Class:string Oid:string Appid:string Requests:long Throttled:long Upn:string Rank:long",
        ["kv-hot", "secrets", HOT_OID, "", 12900, 900, "", 1],
        ["kv-hot", "secrets", CALM_OID, "", 1440, 0, "", 2],
    ),
    "reads": table(
        "Vault:string Oid:string Appid:string Secret:string Total:long MaxHourly:long "
        "Max10s:long PeakWindow:datetime",
        ["kv-hot", HOT_OID, "", "db-password", 12000, 12000, 4000, "2026-03-02T12:00:00Z"],
    ),
    "unauthenticated": table(
        "Vault:string ResourceId:string CallerIp:string ClientInfo:string Count:long First:datetime Last:datetime Seen:bool",
        [
            "kv-pay",
            PAY,
            "198.51.100.4",
            "curl/8.5.0",
            2,
            "2026-03-02T10:03:00Z",
            "2026-03-02T10:03:10Z",
            False,
        ],
        [
            "kv-pay",
            PAY,
            "20.50.1.10",
            "azsdk-python-keyvault-secrets/4.8.0",
            1,
            "2026-03-02T10:02:00Z",
            "2026-03-02T10:02:00Z",
            True,
        ],
    ),
    "failures": table(
        "Vault:string ResourceId:string OperationName:string Status:int ResultSignature:string "
        "ResultDescription:string CallerIp:string Oid:string Appid:string Upn:string "
        "ClientInfo:string RequestUri:string AccessPolicyMatch:bool RbacAuthorized:bool "
        "AddressAuthorized:bool Count:long First:datetime Last:datetime",
        [
            "kv-pay",
            PAY,
            "SecretGet",
            403,
            "Forbidden",
            FW,
            "203.0.113.7",
            WEB_OID,
            WEB_APP,
            "",
            "azsdk-python-keyvault-secrets/4.8.0",
            "https://kv-pay.vault.azure.net/secrets/db/",
            None,
            None,
            False,
            5,
            "2026-03-02T10:00:01Z",
            "2026-03-02T10:00:09Z",
        ],
        [
            "kv-pay",
            PAY,
            "SecretGet",
            403,
            "Forbidden",
            RBAC,
            "20.50.2.1",
            WEB_OID,
            WEB_APP,
            "",
            "azsdk-python-keyvault-secrets/4.8.0",
            "https://kv-pay.vault.azure.net/secrets/api-key/",
            None,
            False,
            None,
            2,
            "2026-03-02T10:10:00Z",
            "2026-03-02T10:14:00Z",
        ],
    ),
    "successes": table(
        "Vault:string Oid:string Appid:string OperationName:string First:datetime Last:datetime",
        ["kv-pay", WEB_OID, WEB_APP, "SecretGet", "2026-03-02T10:16:00Z", "2026-03-02T10:16:00Z"],
    ),
    "series": table(
        "Window:datetime Requests:long Throttled:long",
        ["2026-03-02T12:00:00Z", 4301, 300],
        ["2026-03-02T12:00:10Z", 4500, 500],
        ["2026-03-02T12:00:20Z", 4101, 100],
    ),
}


def answer(request: Request) -> Reply:
    query = request.body["query"]
    name = query.split("\n", 1)[0].removeprefix("// kvlint:")
    return Reply(200, ANSWERS[name])


def client(stub):
    from azure.monitor.query import LogsQueryClient

    return LogsQueryClient(
        FakeCredential(),
        endpoint=stub.url,
        connection_verify=str(stub.ca_path),
        retry_total=1,
        retry_backoff_factor=0.01,
    )


def run(stub, tmp_path, *argv: str) -> tuple[int, dict]:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser, "logs")
    out = tmp_path / "report.json"
    args = parser.parse_args(
        ["--workspace", WORKSPACE, *argv, "--format", "json", "--output-file", str(out)]
    )
    code = command.run(args, client=client(stub))
    return code, json.loads(out.read_text())


def test_live_findings_come_from_summaries(stub, tmp_path):
    stub.add("POST", PATH, answer)
    code, doc = run(stub, tmp_path)
    assert code == 1
    found = sorted((f["code"], f["vault"]) for f in doc["findings"])
    assert found == [
        ("KVL101", "kv-pay"),
        ("KVL201", "kv-pay"),
        ("KVL303", "kv-pay"),
        ("KVL401", "kv-hot"),
        ("KVL403", "kv-hot"),
    ]
    throttled = next(f for f in doc["findings"] if f["code"] == "KVL401")
    # a 429 does not count toward the limit: the peak is what Key Vault did not refuse
    assert throttled["details"]["peak"] == 4001 and throttled["details"]["limit"] == 4000
    assert throttled["details"]["peak_window"] == "2026-03-02T12:00:00Z"
    assert "900 of 14,340 secret and certificate transactions throttled" in throttled["message"]
    # only the callers that were throttled (CALM_OID made no request Key Vault refused)
    assert [c["object_id"] for c in throttled["details"]["top_callers"]] == [HOT_OID]
    assert "throttled (429) in 3 windows of 10 seconds" in throttled["message"]
    reads = next(f for f in doc["findings"] if f["code"] == "KVL403")
    assert (
        "at the peak 4,000 in the 10 s from 2026-03-02T12:00:00Z, 400 a second"
        in (reads["message"])
    )
    assert len(throttled["details"]["series"]) == 61
    firewall = next(f for f in doc["findings"] if f["code"] == "KVL201")
    assert firewall["requests"] == 5 and firewall["details"]["caller"]["object_id"] == WEB_OID
    assert (
        firewall["first"] == "2026-03-02T10:00:01Z" and firewall["last"] == "2026-03-02T10:00:09Z"
    )
    assert doc["input"]["records"] == 14351 and doc["input"]["sdk_challenges"] == 1


def test_live_queries_are_summaries_over_both_tables(stub, tmp_path):
    stub.add("POST", PATH, answer)
    run(stub, tmp_path, "--since", "7d")
    sent = stub.seen("POST", PATH)
    names = [r.body["query"].split("\n", 1)[0] for r in sent]
    assert names == [
        "// kvlint:totals",
        "// kvlint:windows",
        "// kvlint:kinds",
        "// kvlint:callers",
        "// kvlint:reads",
        "// kvlint:unauthenticated",
        "// kvlint:failures",
        "// kvlint:successes",
        "// kvlint:series",
    ]
    for request in sent:
        query = request.body["query"]
        assert "AzureDiagnostics" in query and "AZKVAuditLogs" in query
        assert "summarize" in query  # nothing is downloaded record by record
        assert request.body["timespan"] == "PT604800.0S"
        assert request.headers["Authorization"] == "Bearer stub-arm-token"
    assert "bin(TimeGenerated, 10s)" in sent[1].body["query"]
    assert "Units = sumif(Weight, Status != 429)" in sent[1].body["query"]
    reads = sent[4].body["query"]
    assert 'OperationName == "SecretGet" and Status between (200 .. 299)' in reads
    assert 'Vault == "kv-hot" and Class == "secrets"' in sent[-1].body["query"]


def test_live_vault_narrows_every_query(stub, tmp_path):
    stub.add("POST", PATH, answer)
    run(stub, tmp_path, "--vault", "KV-PAY")
    for request in stub.seen("POST", PATH):
        assert '| where Vault == "kv-pay"' in request.body["query"]


def test_live_refusal_is_one_line(stub, tmp_path):
    stub.add(
        "POST",
        PATH,
        error(403, "InsufficientAccessError", "The provided credentials have insufficient access"),
    )
    with pytest.raises(KvlintError) as caught:
        run(stub, tmp_path)
    assert "the workspace query failed (403)" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_bad_vault_name_is_refused_before_any_query(stub, tmp_path):
    stub.add("POST", PATH, answer)
    with pytest.raises(KvlintError, match="not a Key Vault name"):
        run(stub, tmp_path, "--vault", 'x" or 1==1')
    assert not stub.seen("POST", PATH)


def test_check_config_reads_each_vault_through_arm(stub, tmp_path):
    """--check-config: the vaults a finding names are read with the real KeyVaultManagementClient."""
    from tests.arm_stub import assert_read_only, connect
    from tests.test_logs import ARCHIVE, DATA

    vaults = json.loads((DATA / "vaults.json").read_text())["value"]
    for doc in vaults:
        stub.add("GET", doc["id"], Reply(200, doc))
        group = doc["id"].rsplit("/providers/", 1)[0]
        stub.add(
            "GET", f"{group}/providers/Microsoft.KeyVault/managedHSMs", Reply(200, {"value": []})
        )
    parser = argparse.ArgumentParser()
    command.add_arguments(parser, "logs")
    out = tmp_path / "report.json"
    args = parser.parse_args(
        [str(ARCHIVE), "--check-config", "--format", "json", "--output-file", str(out)]
    )
    assert command.run(args, azure=connect(stub)) == 1
    doc = json.loads(out.read_text())
    assert doc["vaults_checked"] == 1 and doc["configuration_errors"] == []
    config = {f["code"]: f["configuration"] for f in doc["findings"]}
    assert config["KVL201"] == "still refused today"
    assert config["KVL301"] == "already fixed"
    assert config["KVL102"] is None
    assert_read_only(stub)
    gets = {r.path.lower() for r in stub.seen("GET")}
    assert vaults[0]["id"].lower() in gets  # kv-pay, named by the firewall and policy findings
    assert vaults[1]["id"].lower() not in gets  # kv-orders only has KVL303: nothing to settle


def test_check_config_and_input_exclude_each_other(kvlint):
    result = kvlint("logs", "x.json", "--input", "v.json", "--check-config")
    assert result.returncode == 2 and "not both" in result.stderr


@pytest.mark.parametrize(
    ("assigned", "expected"),
    [
        ("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "already fixed"),  # Key Vault Secrets Officer
        ("4633458b-17de-408a-b874-0445c86b69e6", "still refused today"),  # Secrets User: no set
    ],
)
def test_check_config_reads_the_callers_roles_on_an_rbac_vault(stub, tmp_path, assigned, expected):
    from tests.arm_stub import assert_read_only, connect
    from tests.test_logs import DATA

    orders = json.loads((DATA / "vaults.json").read_text())["value"][1]
    group = orders["id"].rsplit("/providers/", 1)[0]
    stub.add("GET", orders["id"], Reply(200, orders))
    stub.add("GET", f"{group}/providers/Microsoft.KeyVault/managedHSMs", Reply(200, {"value": []}))
    sub = orders["id"].split("/")[2]
    stub.add(
        "GET",
        orders["id"] + "/providers/Microsoft.Authorization/roleAssignments",
        Reply(
            200,
            {
                "value": [
                    {
                        "id": f"{orders['id']}/providers/Microsoft.Authorization/roleAssignments/a1",
                        "name": "a1",
                        "type": "Microsoft.Authorization/roleAssignments",
                        "properties": {
                            "roleDefinitionId": f"/subscriptions/{sub}/providers/"
                            f"Microsoft.Authorization/roleDefinitions/{assigned}",
                            "principalId": WEB_OID,
                            "principalType": "ServicePrincipal",
                            "scope": orders["id"],
                        },
                    }
                ]
            },
        ),
    )
    path = tmp_path / "PT1H.json"
    records = json.loads((DATA / "archive-records.json").read_text())["records"]
    path.write_text(json.dumps(records[4]) + "\n")  # SecretSet refused by RBAC on kv-orders
    parser = argparse.ArgumentParser()
    command.add_arguments(parser, "logs")
    out = tmp_path / "report.json"
    args = parser.parse_args(
        [str(path), "--check-config", "--format", "json", "--output-file", str(out)]
    )
    assert command.run(args, azure=connect(stub)) == 1
    (finding,) = json.loads(out.read_text())["findings"]
    assert finding["code"] == "KVL302" and finding["configuration"] == expected, finding
    (listing,) = [r for r in stub.seen("GET") if r.path.endswith("roleAssignments")]
    assert listing.query["$filter"] == [f"assignedTo('{WEB_OID}')"]
    assert_read_only(stub)


def test_a_partial_answer_is_one_line_not_a_silent_undercount(stub, tmp_path):
    partial = {
        **ANSWERS["totals"],
        "error": {
            "code": "PartialError",
            "message": "There were some errors when processing your query.",
            "details": [
                {"code": "EngineError", "message": "Query result set has exceeded the limit"}
            ],
        },
    }
    stub.add("POST", PATH, Reply(200, partial))
    with pytest.raises(KvlintError, match="answered only in part") as caught:
        run(stub, tmp_path)
    assert "narrow --since or --vault" in str(caught.value)


def test_live_progress_on_a_terminal(stub, tmp_path, monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    stub.add("POST", PATH, answer)
    run(stub, tmp_path)
    shown = terminal.getvalue()
    assert "kvlint logs: querying the workspace: windows (query 2)" in shown
    assert shown.count("\r\x1b[K") >= 9  # every query, then the line is cleared


def test_cloud_picks_the_log_analytics_and_sign_in_endpoints(monkeypatch):
    from kvlint.audit import arm
    from kvlint.logs import live

    seen = {}
    monkeypatch.setattr(
        arm,
        "default_credential",
        lambda host, tenant: seen.setdefault("host", host) and FakeCredential(),
    )
    query = live.client(None, "china")
    assert seen["host"] == "login.chinacloudapi.cn"
    assert query._endpoint == "https://api.loganalytics.azure.cn"
    assert live.client("https://example.test", "usgov")._endpoint == "https://example.test"


def test_no_sign_in_is_the_clear_sign_in_line_not_a_failed_query(
    stub, tmp_path, monkeypatch, capsys
):
    """Issue 23 item 17: like the other live commands, one line telling how to sign in."""
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import CredentialUnavailableError
    from azure.monitor.query import LogsQueryClient

    from kvlint import cli
    from kvlint.audit import arm

    failing = FakeCredential(fail=CredentialUnavailableError("no az login"))
    monkeypatch.setattr(arm, "default_credential", lambda host, tenant: failing)
    assert cli.main(["logs", "--workspace", WORKSPACE]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kvlint: error: no Azure credential available: sign in with `az login`")
    assert "query failed" not in err and "--tenant" not in err and err.count("\n") == 1
    # a credential that fails once the client exists (azure-monitor-query passes it on as a
    # response error without a response) is the same line, and no query is sent
    stub.add("POST", PATH, answer)
    for fail in (
        CredentialUnavailableError("no az login"),
        ClientAuthenticationError("AADSTS7000222: The provided client secret keys are expired."),
    ):
        query = LogsQueryClient(
            FakeCredential(fail=fail), endpoint=stub.url, connection_verify=str(stub.ca_path)
        )
        parser = argparse.ArgumentParser()
        command.add_arguments(parser, "logs")
        args = parser.parse_args(["--workspace", WORKSPACE, "--format", "json"])
        with pytest.raises(KvlintError, match=r"^no Azure credential available") as caught:
            command.run(args, client=query)
        assert "query failed" not in str(caught.value)
    assert "AADSTS7000222" in str(caught.value)
    assert not stub.seen("POST", PATH)
