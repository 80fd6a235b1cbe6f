"""The live path end to end: the real azure-mgmt clients over HTTPS against a local ARM stub.

Only the credential is a double. The stub records every request, so each test also proves that
nothing but reads left the auditor.
"""

from __future__ import annotations

import time

import pytest

from kvlint.audit import arm, engine, live
from kvlint.audit.request import AuditRequest
from kvlint.errors import KvlintError
from tests.arm_stub import (
    ArmStub,
    FakeCredential,
    Reply,
    Request,
    assert_read_only,
    audit,
    by_vault,
    diag_path,
    error,
    list_path,
)
from tests.audit_data import (
    APP,
    OTHER_TENANT,
    SUB_A,
    SUB_B,
    SUB_C,
    TENANT,
    diagnostic,
    graph_row,
    policy,
    vault,
)


def test_subscriptions_paging_throttling_and_a_failing_subscription(stub, tmp_path):
    first, second, third = vault("kv-one"), vault("kv-two", enableSoftDelete=False), vault("kv-3")
    next_link = f"{stub.url}{list_path(SUB_A)}?api-version=2026-05-15&$skiptoken=cGFnZTI="
    stub.add(
        "GET",
        list_path(SUB_A),
        error(429, "TooManyRequests", "throttled", **{"Retry-After": "1"}),
        Reply(body={"value": [first, second], "nextLink": next_link}),
        Reply(body={"value": [third]}),
    )
    stub.add(
        "GET",
        list_path(SUB_B),
        error(403, "AuthorizationFailed", "The client does not have authorization"),
    )
    stub.add("GET", list_path(SUB_C), error(503, "ServiceUnavailable", "try later"))
    stub.add("GET", diag_path(first), Reply(body={"value": [diagnostic()]}))
    stub.add("GET", diag_path(second), Reply(body={"value": [diagnostic()]}))
    stub.add("GET", diag_path(third), Reply(body={"value": []}))

    code, report = audit(
        stub, tmp_path, "--subscription", SUB_A, "--subscription", SUB_B, "--subscription", SUB_C
    )

    assert code == 1
    assert report["vaults_audited"] == 3
    assert by_vault(report) == {"kv-two": ["KVA401"], "kv-3": ["KVA404"]}
    finding = next(f for f in report["findings"] if f["vault"] == "kv-two")
    assert finding == {
        "vault": "kv-two",
        "id": second["id"],
        "subscription": SUB_A,
        "code": "KVA401",
        "severity": "warning",
        "message": finding["message"],
        "benchmarks": ["MCSB-v1/DP-8", "CIS-Azure-2.0.0/8.5"],
    }
    assert [(e["scope"], e["status"]) for e in report["errors"]] == [
        (f"/subscriptions/{SUB_B}", 403),
        (f"/subscriptions/{SUB_C}", 503),
    ]
    assert (
        "AuthorizationFailed: The client does not have authorization"
        in report["errors"][0]["message"]
    )
    # 429: the retry waited for Retry-After; the second page followed nextLink's skip token
    pages = stub.seen("GET", list_path(SUB_A))
    assert len(pages) == 3
    assert pages[1].at - pages[0].at >= 0.95
    assert pages[2].query["$skiptoken"] == ["cGFnZTI="]
    assert len(stub.seen("GET", list_path(SUB_C))) == 4  # 1 + retry_total 3
    assert len(stub.seen("GET", list_path(SUB_B))) == 1  # a 403 is not retried
    assert_read_only(stub)


def test_resource_group_and_single_vault(stub, tmp_path):
    doc = vault("kv-one", rg="payments", networkAcls=None)
    stub.add(
        "GET",
        list_path(SUB_A, "payments"),
        Reply(body={"value": [doc, vault("kv-x", rg="payments")]}),
    )
    stub.add("GET", list_path(SUB_A, "payments") + "/kv-one", Reply(body=doc))
    stub.add("GET", diag_path(doc), Reply(body={"value": [diagnostic()]}))

    code, report = audit(
        stub, tmp_path, "--subscription", SUB_A, "--resource-group", "payments", "--vault", "kv-one"
    )
    assert (code, by_vault(report), report["vaults_audited"]) == (1, {"kv-one": ["KVA211"]}, 1)
    hsms = (
        f"/subscriptions/{SUB_A}/resourceGroups/payments/providers/Microsoft.KeyVault/managedHSMs"
    )
    assert [r.path for r in stub.requests] == [
        list_path(SUB_A, "payments") + "/kv-one",
        hsms,  # a Managed HSM may carry the name too
        diag_path(doc),
    ]

    stub.requests.clear()
    code, report = audit(
        stub, tmp_path, "--subscription", SUB_A, "--resource-group", "payments", "--no-diagnostics"
    )
    assert report["vaults_audited"] == 2
    assert [r.path for r in stub.requests] == [list_path(SUB_A, "payments"), hsms]
    assert_read_only(stub)


def test_malformed_bodies_are_errors_and_the_run_goes_on(stub, tmp_path):
    good = vault("kv-good")
    broken = vault("kv-broken")
    del broken["properties"]
    stub.add("GET", list_path(SUB_A), Reply(body={"value": [good, broken]}))
    stub.add("GET", list_path(SUB_B), Reply(raw=b"<html>gateway hiccup</html>"))
    stub.add("GET", diag_path(good), Reply(raw=b"{not json"))

    code, report = audit(stub, tmp_path, "--subscription", SUB_A, "--subscription", SUB_B)
    assert code == 1
    assert report["vaults_audited"] == 1 and report["findings"] == []
    messages = {e["scope"]: e["message"] for e in report["errors"]}
    assert messages[broken["id"]].startswith("malformed vault: no properties")
    assert messages[f"/subscriptions/{SUB_B}"] == "malformed response body (not JSON)"
    assert messages[good["id"]] == "diagnostic settings: malformed response body (not JSON)"
    assert_read_only(stub)


def test_resource_provider_registration_is_never_attempted(stub, tmp_path):
    stub.add(
        "GET",
        list_path(SUB_A),
        error(
            409,
            "MissingSubscriptionRegistration",
            "The subscription is not registered to use namespace 'Microsoft.KeyVault'.",
        ),
    )
    code, report = audit(stub, tmp_path, "--subscription", SUB_A)
    assert code == 1
    assert "kvlint audit is read-only" in report["errors"][0]["message"]
    assert [r.method for r in stub.requests] == ["GET"]
    assert_read_only(stub)


def test_no_credential_is_one_line_and_nothing_is_sent(stub, tmp_path):
    from azure.identity import CredentialUnavailableError

    credential = FakeCredential(fail=CredentialUnavailableError("no az login"))
    with pytest.raises(
        KvlintError, match=r"^no Azure credential available: sign in with `az login`"
    ):
        audit(stub, tmp_path, "--subscription", SUB_A, credential=credential)
    assert stub.requests == []


def test_no_login_from_the_command_line_exits_2(kvlint, tmp_path, monkeypatch):
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE",
        "IDENTITY_ENDPOINT",
        "MSI_ENDPOINT",
        "AZURE_USERNAME",
        "AZURE_CLIENT_CERTIFICATE_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    env = {"HOME": str(tmp_path), "PATH": "/nonexistent", "AZURE_CONFIG_DIR": str(tmp_path)}
    result = kvlint("audit", "--subscription", SUB_A, env=env, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "az login" in lines[0] and "Traceback" not in result.stderr


# -- Resource Graph --------------------------------------------------------------------------


def graph_route(
    stub: ArmStub,
    subscriptions: list[str],
    rows: list[dict],
    *,
    failing: str | None = None,
    page: int = 2,
):
    """Answer the subscription and vault queries like Resource Graph, paging by ``page``.

    Batches containing ``failing`` always answer 500. Returns the batches seen (first pages).
    """
    batches: list[list[str]] = []

    def pages(items: list, request: Request) -> Reply:
        token = (request.body.get("options") or {}).get("$skipToken")
        start = int(token) if token else 0
        chunk = items[start : start + page]
        body = {
            "totalRecords": len(items),
            "count": len(chunk),
            "data": chunk,
            "facets": [],
            "resultTruncated": "false",
        }
        if start + page < len(items):
            body["$skipToken"] = str(start + page)
        return Reply(body=body)

    def answer(request: Request) -> Reply:
        query = request.body["query"]
        if query.startswith("resourcecontainers"):
            assert "subscriptions" not in request.body
            subs = [
                {
                    "id": f"/subscriptions/{s}",
                    "subscriptionId": s,
                    "tenantId": TENANT,
                    "name": s[:8],
                }
                for s in subscriptions
            ]
            return pages(subs, request)
        assert query.startswith(
            "resources | where type in~ ('microsoft.keyvault/vaults', "
            "'microsoft.keyvault/managedhsms')"
        )
        scope = request.body.get("subscriptions")
        if scope is not None and not (request.body.get("options") or {}).get("$skipToken"):
            batches.append(scope)
        if failing and scope and failing in scope:
            return error(500, "InternalServerError", "query failed")
        wanted = [r for r in rows if scope is None or r["subscriptionId"] in scope]
        return pages(wanted, request)

    stub.add("POST", "/providers/Microsoft.ResourceGraph/resources", answer)
    return batches


def test_all_subscriptions_batches_by_1000_and_follows_skip_tokens(stub, tmp_path):
    many = [f"{i:08x}-0000-0000-0000-000000000000" for i in range(1500)]
    many[3], many[1200] = SUB_A, SUB_B
    rows = [
        graph_row(vault("kv-a1")),
        graph_row(vault("kv-a2", networkAcls=None)),
        graph_row(vault("kv-a3", sub=SUB_A)),
        graph_row(vault("kv-moved", sub=SUB_B), tenant=OTHER_TENANT),
    ]
    batches = graph_route(stub, many, rows, page=400)

    code, report = audit(stub, tmp_path, "--all-subscriptions", "--no-diagnostics")

    assert [len(b) for b in batches] == [1000, 500]
    assert SUB_A in batches[0] and SUB_B in batches[1]
    assert report["vaults_audited"] == 4
    assert by_vault(report) == {"kv-a2": ["KVA211"], "kv-moved": ["KVA102"]}
    assert code == 1
    assert_read_only(stub)


def test_a_failing_graph_batch_is_an_error_and_the_rest_is_audited(stub, tmp_path):
    many = [f"{i:08x}-0000-0000-0000-000000000000" for i in range(1001)]
    many[0], many[1000] = SUB_A, SUB_B
    rows = [
        graph_row(vault("kv-a1", sub=SUB_A)),
        graph_row(vault("kv-a2", sub=SUB_A)),
        graph_row(vault("kv-a3", sub=SUB_A)),
        graph_row(vault("kv-b", sub=SUB_B)),
    ]
    graph_route(stub, many, rows, failing=SUB_B, page=500)
    stub.add("GET", diag_path(vault("kv-a1")), Reply(body={"value": [diagnostic()]}))
    stub.add("GET", diag_path(vault("kv-a2")), Reply(body={"value": [diagnostic()]}))
    stub.add("GET", diag_path(vault("kv-a3")), error(404, "ResourceNotFound", "gone"))

    code, report = audit(stub, tmp_path, "--all-subscriptions")
    assert report["vaults_audited"] == 3
    assert {e["scope"]: e["status"] for e in report["errors"]} == {
        "Resource Graph: subscriptions 1001-1001": 500,
        vault("kv-a3")["id"]: 404,
    }
    assert report["findings"] == [] and code == 1  # read errors fail the run
    assert_read_only(stub)


def test_management_group_scope(stub, tmp_path):
    seen: list[dict] = []
    rows = [graph_row(vault("kv-mg"))]

    def answer(request: Request) -> Reply:
        seen.append(request.body)
        return Reply(
            body={
                "totalRecords": 1,
                "count": 1,
                "data": rows,
                "facets": [],
                "resultTruncated": "false",
            }
        )

    stub.add("POST", "/providers/Microsoft.ResourceGraph/resources", answer)
    code, report = audit(stub, tmp_path, "--management-group", "mg-platform", "--no-diagnostics")
    assert (code, report["vaults_audited"], report["findings"]) == (0, 1, [])
    assert seen[0]["managementGroups"] == ["mg-platform"] and "subscriptions" not in seen[0]
    assert seen[0]["options"]["resultFormat"] == "objectArray"
    assert_read_only(stub)


# -- reachability with role assignments ------------------------------------------------------

SECRETS_USER_ID = "4633458b-17de-408a-b874-0445c86b69e6"
READER_ID = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def role_definition(role_id: str, name: str, data_actions: list[str]) -> dict:
    return {
        "id": f"/subscriptions/{SUB_A}/providers/Microsoft.Authorization/roleDefinitions/{role_id}",
        "name": role_id,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": name,
            "type": "BuiltInRole",
            "description": name,
            "assignableScopes": ["/"],
            "permissions": [
                {"actions": [], "notActions": [], "dataActions": data_actions, "notDataActions": []}
            ],
        },
    }


def assignment(scope: str, role_id: str) -> dict:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{role_id[:8]}",
        "name": role_id[:8],
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{SUB_A}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{role_id}",
            "principalId": APP,
            "principalType": "ServicePrincipal",
            "scope": scope,
        },
    }


def test_reachability_reads_role_assignments_for_rbac_vaults(stub, tmp_path):
    granted = vault("kv-rbac-ok", enableRbacAuthorization=True, accessPolicies=[])
    denied = vault("kv-rbac-reader", enableRbacAuthorization=True, accessPolicies=[])
    unreadable = vault("kv-rbac-403", enableRbacAuthorization=True, accessPolicies=[])
    policies = vault("kv-policies", accessPolicies=[policy(secrets=("list",))])
    firewalled = vault(
        "kv-firewalled",
        networkAcls={"defaultAction": "Deny", "ipRules": [{"value": "192.0.2.0/24"}]},
    )
    docs = [granted, denied, unreadable, policies, firewalled]
    stub.add("GET", list_path(SUB_A), Reply(body={"value": docs}))
    rg_scope = f"/subscriptions/{SUB_A}/resourceGroups/app"
    roles = "/providers/Microsoft.Authorization/roleAssignments"
    stub.add(
        "GET",
        granted["id"] + roles,
        Reply(
            body={
                "value": [
                    assignment(rg_scope, SECRETS_USER_ID),
                    assignment(granted["id"] + "/secrets/other", READER_ID),
                ]
            }
        ),
    )
    stub.add(
        "GET",
        denied["id"] + roles,
        Reply(
            body={
                "value": [
                    assignment(f"/subscriptions/{SUB_A}", READER_ID),
                    assignment(rg_scope + "-elsewhere", SECRETS_USER_ID),
                ]
            }
        ),
    )
    stub.add("GET", unreadable["id"] + roles, error(403, "AuthorizationFailed", "no read"))
    stub.add(
        "GET",
        f"/subscriptions/{SUB_A}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{SECRETS_USER_ID}",
        Reply(
            body=role_definition(
                SECRETS_USER_ID,
                "Key Vault Secrets User",
                [
                    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
                ],
            )
        ),
    )
    stub.add(
        "GET",
        f"/subscriptions/{SUB_A}/providers/Microsoft.Authorization/roleDefinitions/{READER_ID}",
        Reply(body=role_definition(READER_ID, "Reader", [])),
    )

    code, report = audit(
        stub,
        tmp_path,
        "--subscription",
        SUB_A,
        "--no-diagnostics",
        "--principal",
        APP,
        "--ip",
        "203.0.113.9",
    )

    assert by_vault(report) == {
        "kv-rbac-reader": ["KVA506"],  # read, and Reader grants no data action: definite
        "kv-rbac-403": ["KVA505"],
        "kv-policies": ["KVA503"],
        "kv-firewalled": ["KVA501"],
    }
    messages = {f["vault"]: f["message"] for f in report["findings"]}
    assert "2 role assignments" not in messages["kv-rbac-reader"]
    assert (
        "none of its role assignments at this vault or above in the role assignments read "
        "from ARM (1 role assignment, roles: Reader)" in messages["kv-rbac-reader"]
    )
    assert '"Key Vault Secrets User" at the vault would grant it' in messages["kv-rbac-reader"]
    assert "could not be read (403 AuthorizationFailed: no read)" in messages["kv-rbac-403"]
    for doc in (granted, denied, unreadable):
        (listed,) = stub.seen("GET", doc["id"] + roles)
        assert listed.query["$filter"] == [f"assignedTo('{APP}')"]
    assert (
        len(
            stub.seen(
                path=f"/subscriptions/{SUB_A}/providers/Microsoft.Authorization/"
                f"roleDefinitions/{SECRETS_USER_ID}"
            )
        )
        <= 2
    )  # cached per run
    assert not stub.seen("GET", policies["id"] + roles)  # access-policy mode: no RBAC lookup
    assert code == 1
    assert_read_only(stub)


def test_read_only_guard_refuses_writes_before_they_are_sent():
    from azure.core.pipeline import PipelineRequest
    from azure.core.pipeline.transport import HttpRequest

    def request(method: str, url: str) -> PipelineRequest:
        return PipelineRequest(HttpRequest(method, url), None)  # type: ignore[arg-type]

    arm.read_only_guard(request("GET", "https://management.azure.com/subscriptions/x"))
    arm.read_only_guard(
        request(
            "POST", "https://management.azure.com/providers/Microsoft.ResourceGraph/resources?a=1"
        )
    )
    for method, url in (
        ("PUT", "https://management.azure.com/subscriptions/x/vaults/v"),
        (
            "POST",
            "https://management.azure.com/subscriptions/x/providers/Microsoft.KeyVault/register",
        ),
        ("PATCH", "https://management.azure.com/subscriptions/x"),
        ("DELETE", "https://management.azure.com/subscriptions/x"),
    ):
        with pytest.raises(arm.WriteRefused, match="read-only"):
            arm.read_only_guard(request(method, url))


def test_cloud_picks_the_arm_endpoint_and_scope():
    azure = engine.connect(AuditRequest(subscriptions=(SUB_A,), cloud="china"))
    assert azure.arm_endpoint == "https://management.chinacloudapi.cn"
    assert azure.scope == "https://management.chinacloudapi.cn/.default"
    tenant = "33333333-3333-3333-3333-333333333333"
    usgov = engine.connect(AuditRequest(subscriptions=(SUB_A,), cloud="usgov", tenant=tenant))
    assert usgov.scope == "https://management.usgovcloudapi.net/.default"
    assert isinstance(usgov.credential, arm.TenantCredential)
    assert usgov.credential.tenant_id == tenant


def test_progress_bar_only_on_a_terminal():
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = live.Progress(screen)
    bar.show("diagnostic settings", 3, 12)
    bar.clear()
    assert "diagnostic settings [#####...............] 3/12" in screen.getvalue()
    assert screen.getvalue().endswith("\r\x1b[K")
    quiet = io.StringIO()
    live.Progress(quiet).show("vaults", 1)
    assert quiet.getvalue() == ""


def test_elapsed_time_is_small(stub, tmp_path):
    """Many vaults, diagnostics fetched in parallel: the stub path stays fast."""
    docs = [vault(f"kv-{i:03d}") for i in range(60)]
    stub.add("GET", list_path(SUB_A), Reply(body={"value": docs}))
    for doc in docs:
        stub.add("GET", diag_path(doc), Reply(body={"value": [diagnostic()]}))
    started = time.monotonic()
    code, report = audit(stub, tmp_path, "--subscription", SUB_A)
    assert (code, report["vaults_audited"], report["findings"]) == (0, 60, [])
    assert time.monotonic() - started < 20
    assert len(stub.requests) == 62  # vaults, managed HSMs, 60 diagnostic settings
    assert_read_only(stub)


def test_an_empty_subscription_sends_two_list_requests(stub, tmp_path):
    stub.add("GET", list_path(SUB_A), Reply(body={"value": []}))
    code, report = audit(stub, tmp_path, "--subscription", SUB_A)
    assert (code, report) == (0, {"findings": [], "errors": [], "vaults_audited": 0})
    vaults, hsms = stub.requests
    assert hsms.path.endswith("/providers/Microsoft.KeyVault/managedHSMs")
    assert set(vaults.query) == set(hsms.query) == {"api-version"}


def test_reachability_reads_deny_assignments_live(stub, tmp_path):
    """Issue 23 item 10: the deny assignments at or above each RBAC vault are read through
    azure-mgmt-authorization (denyAssignments, atScope()) and win; unreadable ones are said."""
    from tests.test_audit_inputs import GET_SECRET, deny_rest

    denied = vault("kv-denied", enableRbacAuthorization=True, accessPolicies=[])
    blind = vault("kv-blind", enableRbacAuthorization=True, accessPolicies=[])
    stub.add("GET", list_path(SUB_A), Reply(body={"value": [denied, blind]}))
    rg_scope = f"/subscriptions/{SUB_A}/resourceGroups/app"
    roles = "/providers/Microsoft.Authorization/roleAssignments"
    denies = "/providers/Microsoft.Authorization/denyAssignments"
    for doc in (denied, blind):
        stub.add(
            "GET", doc["id"] + roles, Reply(body={"value": [assignment(rg_scope, SECRETS_USER_ID)]})
        )
    stub.add(
        "GET", denied["id"] + denies, Reply(body={"value": [deny_rest(rg_scope, [GET_SECRET])]})
    )
    stub.add("GET", blind["id"] + denies, error(403, "AuthorizationFailed", "no deny read"))
    code, report = audit(
        stub,
        tmp_path,
        "--subscription",
        SUB_A,
        "--no-diagnostics",
        "--principal",
        APP,
        "--ip",
        "203.0.113.9",
    )
    assert by_vault(report) == {"kv-denied": ["KVA506"]}
    (message,) = [f["message"] for f in report["findings"]]
    assert "deny assignment 'Deny secret reads' at " + rg_scope in message
    (listed,) = stub.seen("GET", denied["id"] + denies)
    assert listed.query["$filter"] == ["atScope()"]
    assert report["reachability"]["allowed"] == ["kv-blind"]
    assert (
        "deny assignments could not be read (403 AuthorizationFailed"
        in (report["reachability"]["caveats"]["kv-blind"])
    )
    assert code == 1
    assert_read_only(stub)
