"""The auditor under faults, against the local HTTPS ARM stub with the real azure-mgmt clients.

Whatever ARM does (throttle, fail, stall, truncate, loop), the audit completes what it can,
reports the rest under ``errors``, finishes within its configured timeouts, and only reads.
"""

from __future__ import annotations

import itertools
import json
import time

import pytest
from azure.core.exceptions import ClientAuthenticationError

from kvlint.errors import KvlintError
from tests.arm_stub import (
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
from tests.audit_data import SUB_A, SUB_B, SUB_C, diagnostic, graph_row, vault

SUB_D = "dddddddd-0000-0000-0000-000000000004"
THROTTLED = error(429, "TooManyRequests", "throttled", **{"Retry-After": "1"})


def subscriptions(*subs: str) -> list[str]:
    return [arg for sub in subs for arg in ("--subscription", sub)]


def errors(report: dict) -> dict[str, tuple[int | None, str]]:
    return {e["scope"]: (e["status"], e["message"]) for e in report["errors"]}


def test_a_429_storm_is_waited_out_and_a_relentless_one_is_an_error(stub, tmp_path):
    calm, stormy = vault("kv-calm"), vault("kv-stormy", sub=SUB_B)
    stub.add("GET", list_path(SUB_A), THROTTLED, THROTTLED, Reply(body={"value": [calm]}))
    stub.add("GET", list_path(SUB_B), THROTTLED)  # never lets up
    stub.add("GET", list_path(SUB_C), Reply(body={"value": [stormy]}))
    started = time.monotonic()
    code, report = audit(
        stub, tmp_path, *subscriptions(SUB_A, SUB_B, SUB_C), "--no-diagnostics", retry_total=2
    )
    elapsed = time.monotonic() - started
    assert (code, report["vaults_audited"]) == (1, 2)
    assert errors(report) == {f"/subscriptions/{SUB_B}": (429, "429 TooManyRequests: throttled")}
    tries = stub.seen("GET", list_path(SUB_A))
    assert len(tries) == 3
    assert all(b.at - a.at >= 0.95 for a, b in itertools.pairwise(tries))  # Retry-After
    assert len(stub.seen("GET", list_path(SUB_B))) == 3  # 1 + retry_total
    assert elapsed < 12
    assert_read_only(stub)


def test_a_long_retry_after_is_cut_short_by_the_request_timeout(stub, tmp_path):
    stub.add(
        "GET",
        list_path(SUB_A),
        error(429, "TooManyRequests", "come back in an hour", **{"Retry-After": "3600"}),
    )
    stub.add("GET", list_path(SUB_B), Reply(body={"value": [vault("kv-b", sub=SUB_B)]}))
    started = time.monotonic()
    code, report = audit(
        stub,
        tmp_path,
        *subscriptions(SUB_A, SUB_B),
        "--no-diagnostics",
        retry_total=50,
        timeout=2,  # per request, every retry and wait included (--timeout)
    )
    assert time.monotonic() - started < 8
    assert (code, report["vaults_audited"]) == (1, 1)
    assert errors(report) == {  # not slept through: the hour is beyond the 2 s left
        f"/subscriptions/{SUB_A}": (
            429,
            "429 TooManyRequests: come back in an hour "
            "(Retry-After 3600 s is beyond what is left of --timeout)",
        )
    }
    assert len(stub.seen("GET", list_path(SUB_A))) == 1
    assert_read_only(stub)


def test_the_timeout_option_reaches_the_clients():

    from kvlint.audit import engine
    from kvlint.audit.request import AuditRequest

    azure = engine.connect(AuditRequest(subscriptions=(SUB_A,), timeout=7.5))
    assert azure.timeout == 7.5
    kwargs = azure._kwargs()
    assert kwargs["read_timeout"] == 7.5 and kwargs["retry_policy"].timeout == 7.5


def test_intermittent_500s_are_retried_away(stub, tmp_path):
    docs = [vault(f"kv-{i}") for i in range(6)]
    flaky = error(500, "InternalServerError", "transient")
    stub.add("GET", list_path(SUB_A), flaky, Reply(body={"value": docs}))
    calls: dict[str, int] = {}

    def every_other(request: Request) -> Reply:
        calls[request.path] = calls.get(request.path, 0) + 1
        if calls[request.path] % 2:
            return flaky
        return Reply(body={"value": [diagnostic()]})

    for doc in docs:
        stub.add("GET", diag_path(doc), every_other)
    code, report = audit(stub, tmp_path, *subscriptions(SUB_A))
    assert (code, report) == (0, {"findings": [], "errors": [], "vaults_audited": 6})
    assert set(calls.values()) == {2}
    assert_read_only(stub)


def test_a_stalled_response_times_out_and_the_rest_goes_on(stub, tmp_path):
    good, slow = vault("kv-good"), vault("kv-slow")
    stub.add("GET", list_path(SUB_A), Reply(body={"value": [good, slow]}))
    stub.add("GET", list_path(SUB_B), Reply(body={"value": []}, delay=30))
    stub.add("GET", diag_path(good), Reply(body={"value": [diagnostic()]}))
    stub.add("GET", diag_path(slow), Reply(body={"value": [diagnostic()]}, delay=30))
    started = time.monotonic()
    code, report = audit(
        stub, tmp_path, *subscriptions(SUB_A, SUB_B), retry_total=1, read_timeout=0.5
    )
    assert time.monotonic() - started < 15
    assert (code, report["vaults_audited"], report["findings"]) == (1, 2, [])
    found = errors(report)
    assert set(found) == {f"/subscriptions/{SUB_B}", slow["id"]}
    assert all(status is None and "timed out" in text for status, text in found.values()), found
    assert len(stub.seen("GET", list_path(SUB_B))) == 2  # one retry, then given up
    assert_read_only(stub)


def test_truncated_json_and_a_dropped_connection_are_errors(stub, tmp_path):
    body = b'{"value": [' + str(vault("kv-b", sub=SUB_B)).encode()
    stub.add("GET", list_path(SUB_A), Reply(body={"value": [vault("kv-a")]}))
    stub.add("GET", list_path(SUB_B), Reply(raw=b'{"value": [{"id": "/subscriptions/'))
    stub.add("GET", list_path(SUB_C), Reply(raw=body + b"]}", cut=len(body) // 2))
    code, report = audit(stub, tmp_path, *subscriptions(SUB_A, SUB_B, SUB_C), "--no-diagnostics")
    assert (code, report["vaults_audited"]) == (1, 1)
    found = errors(report)
    assert found[f"/subscriptions/{SUB_B}"] == (None, "malformed response body (not JSON)")
    status, message = found[f"/subscriptions/{SUB_C}"]
    assert status is None and message, found
    assert len(stub.seen("GET", list_path(SUB_C))) == 4  # a dropped connection is retried
    assert_read_only(stub)


def test_a_next_link_pointing_back_to_itself_terminates(stub, tmp_path):
    first, second = vault("kv-one"), vault("kv-two", enableSoftDelete=False)
    loop = f"{stub.url}{list_path(SUB_A)}?api-version=2026-05-15&$skiptoken=c2FtZQ=="

    def pages(request: Request) -> Reply:
        if "$skiptoken" in request.query:
            return Reply(body={"value": [second], "nextLink": loop})  # the same page, forever
        return Reply(body={"value": [first], "nextLink": loop})

    stub.add("GET", list_path(SUB_A), pages)
    stub.add("GET", list_path(SUB_B), Reply(body={"value": [vault("kv-b", sub=SUB_B)]}))
    code, report = audit(stub, tmp_path, *subscriptions(SUB_A, SUB_B), "--no-diagnostics")
    assert code == 1
    assert report["vaults_audited"] == 3  # kv-two once, not once per loop
    assert by_vault(report) == {"kv-two": ["KVA401"]}
    (message,) = [m for _, m in errors(report).values()]
    assert "repeats" in message
    assert len(stub.seen("GET", list_path(SUB_A))) <= 3
    assert_read_only(stub)


def test_a_resource_graph_skip_token_loop_terminates(stub, tmp_path):
    rows = [graph_row(vault("kv-g1")), graph_row(vault("kv-g2"))]

    def answer(request: Request) -> Reply:
        body = request.body
        if body["query"].startswith("resourcecontainers"):
            data = [{"id": f"/subscriptions/{SUB_A}", "subscriptionId": SUB_A, "name": "a"}]
            return Reply(body={"totalRecords": 1, "count": 1, "data": data, "facets": []})
        return Reply(body={"totalRecords": 99, "count": 2, "data": rows, "$skipToken": "again"})

    stub.add("POST", "/providers/Microsoft.ResourceGraph/resources", answer)
    code, report = audit(stub, tmp_path, "--all-subscriptions", "--no-diagnostics")
    assert code == 1 and report["vaults_audited"] == 2
    (message,) = [m for _, m in errors(report).values()]
    assert "repeats" in message
    assert len(stub.requests) <= 4
    assert_read_only(stub)


def test_a_page_of_5000_vaults(stub, tmp_path):
    docs = [vault(f"kv-{i:04d}") for i in range(5000)]
    docs[1234] = vault("kv-1234", enableSoftDelete=False)
    stub.add("GET", list_path(SUB_A), Reply(body={"value": docs}))
    started = time.monotonic()
    code, report = audit(stub, tmp_path, *subscriptions(SUB_A), "--no-diagnostics")
    assert time.monotonic() - started < 30
    assert (code, report["vaults_audited"], report["errors"]) == (1, 5000, [])
    assert by_vault(report) == {"kv-1234": ["KVA401"]}
    assert_read_only(stub)


def test_one_forbidden_subscription_among_good_ones(stub, tmp_path):
    for sub in (SUB_A, SUB_B, SUB_D):
        stub.add("GET", list_path(sub), Reply(body={"value": [vault(f"kv-{sub[:4]}", sub=sub)]}))
    stub.add("GET", list_path(SUB_C), error(403, "AuthorizationFailed", "no Reader role here"))
    code, report = audit(
        stub, tmp_path, *subscriptions(SUB_A, SUB_B, SUB_C, SUB_D), "--no-diagnostics"
    )
    assert (code, report["vaults_audited"], report["findings"]) == (1, 3, [])
    assert errors(report) == {
        f"/subscriptions/{SUB_C}": (403, "403 AuthorizationFailed: no Reader role here")
    }
    assert len(stub.seen("GET", list_path(SUB_C))) == 1
    assert_read_only(stub)


EXPIRED = ClientAuthenticationError(
    "ClientSecretCredential.get_token failed: AADSTS7000222: The provided client secret keys "
    "for app '3fa2c1d0-9e8b-4a7c-8d6e-5f4a3b2c1d0e' are expired.\nTrace ID: 1234"
)


def test_an_expired_credential_is_one_clear_line_and_nothing_is_sent(stub, tmp_path):
    with pytest.raises(KvlintError) as raised:
        audit(stub, tmp_path, *subscriptions(SUB_A), credential=FakeCredential(fail=EXPIRED))
    message = str(raised.value)
    assert "\n" not in message and "AADSTS7000222" in message and "az login" in message
    assert stub.requests == []


class ExpiresMidRun(FakeCredential):
    """Good for the sign-in and the first subscription's client, then expired."""

    def get_token(self, *scopes, **kwargs):
        if len(self.calls) >= 2:
            self.fail = EXPIRED
        return super().get_token(*scopes, **kwargs)


def test_a_credential_expiring_mid_run_keeps_what_was_read(stub, tmp_path):
    stub.add("GET", list_path(SUB_A), Reply(body={"value": [vault("kv-a")]}))
    stub.add("GET", list_path(SUB_B), Reply(body={"value": [vault("kv-b", sub=SUB_B)]}))
    code, report = audit(
        stub,
        tmp_path,
        *subscriptions(SUB_A, SUB_B),
        "--no-diagnostics",
        credential=ExpiresMidRun(),
    )
    assert (code, report["vaults_audited"]) == (1, 1)
    ((status, message),) = errors(report).values()
    assert status is None and "AADSTS7000222" in message
    assert [r.path for r in stub.requests] == [
        list_path(SUB_A),
        f"/subscriptions/{SUB_A}/providers/Microsoft.KeyVault/managedHSMs",
    ]
    assert_read_only(stub)


# -- issue 12: continuation links, throttling storms, stray items, encodings, library noise ------


@pytest.fixture
def lookups(monkeypatch):
    """Every host name the process resolves (a DNS lookup is already a leak of intent)."""
    import socket

    seen: list[str] = []
    real = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        seen.append(str(host))
        if str(host) not in ("127.0.0.1", "localhost"):
            raise socket.gaierror(socket.EAI_NONAME, "blocked by the test")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    return seen


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example.com/subscriptions/x/providers/Microsoft.KeyVault/vaults?page=2",
        "http://127.0.0.1:{port}/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        "https://127.0.0.1:1/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        "https://EVIL.example.com:443/subscriptions/x/providers/Microsoft.KeyVault/vaults",
    ],
)
def test_a_next_link_to_another_host_is_not_followed(stub, tmp_path, lookups, link):
    port = stub.url.rsplit(":", 1)[1]
    stub.add(
        "GET",
        list_path(SUB_A),
        Reply(body={"value": [vault("kv-first")], "nextLink": link.format(port=port)}),
    )
    stub.add("GET", list_path(SUB_B), Reply(body={"value": [vault("kv-b", sub=SUB_B)]}))
    code, report = audit(stub, tmp_path, *subscriptions(SUB_A, SUB_B), "--no-diagnostics")
    assert (code, report["vaults_audited"], report["findings"]) == (1, 2, [])
    ((scope, (status, message)),) = errors(report).items()
    assert scope == f"/subscriptions/{SUB_A}" and status is None
    assert "refused to follow a link to" in message and "not the Azure Resource Manager" in message
    assert "evil.example.com" not in lookups
    assert len(stub.seen("GET", list_path(SUB_A))) == 1
    assert_read_only(stub)


def test_eight_429s_in_a_row_are_waited_out(stub, tmp_path):
    throttled = error(429, "TooManyRequests", "slow down", **{"Retry-After": "0.1"})
    stub.add("GET", list_path(SUB_A), *[throttled] * 8, Reply(body={"value": [vault("kv-a")]}))
    code, report = audit(
        stub, tmp_path, *subscriptions(SUB_A), "--no-diagnostics", retry_total=20, timeout=60
    )
    assert (code, report) == (0, {"findings": [], "errors": [], "vaults_audited": 1})
    tries = stub.seen("GET", list_path(SUB_A))
    assert len(tries) == 9
    assert all(b.at - a.at >= 0.09 for a, b in itertools.pairwise(tries))  # Retry-After


def test_five_hundreds_without_retry_after_back_off_until_the_timeout(stub, tmp_path):
    stub.add("GET", list_path(SUB_A), error(503, "ServiceUnavailable", "down"))
    started = time.monotonic()
    code, report = audit(
        stub,
        tmp_path,
        *subscriptions(SUB_A),
        "--no-diagnostics",
        retry_total=None,
        retry_backoff_factor=0.05,
        retry_backoff_max=0.2,
        timeout=2.5,
    )
    elapsed = time.monotonic() - started
    assert code == 1 and 1.5 < elapsed < 6
    assert errors(report) == {
        f"/subscriptions/{SUB_A}": (
            503,
            "503 ServiceUnavailable: down (retried until --timeout was spent)",
        )
    }
    tries = stub.seen("GET", list_path(SUB_A))
    assert len(tries) > 6  # far more than azure-core's retry_status of 3
    gaps = [b.at - a.at for a, b in itertools.pairwise(tries)]
    assert gaps[1] > gaps[0] * 1.5  # exponential backoff


@pytest.mark.parametrize("stray", ["a string", None, 5, [1, 2]])
def test_one_malformed_item_in_a_page_leaves_the_others_audited(stub, tmp_path, stray):
    page = [vault("kv-one"), stray, vault("kv-three", enableSoftDelete=False)]
    stub.add("GET", list_path(SUB_A), Reply(body={"value": page}))
    code, report = audit(stub, tmp_path, *subscriptions(SUB_A), "--no-diagnostics")
    assert report["vaults_audited"] == 2 and code == 1
    assert by_vault(report) == {"kv-three": ["KVA401"]}
    ((scope, (status, message)),) = errors(report).items()
    assert scope == f"/subscriptions/{SUB_A}" and status is None
    assert message.startswith("malformed vault: item 2 of the list is ")
    assert "the others were audited" in message


def test_a_dropped_connection_is_one_line_and_no_library_noise(stub, tmp_path):
    """In a fresh process, where no test framework has configured logging."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    body = json.dumps({"value": [vault("kv-b")]}).encode()
    stub.add("GET", list_path(SUB_A), Reply(raw=body, cut=len(body) // 2))
    script = (
        "import sys, argparse\n"
        "from tests.arm_stub import connect_to\n"
        "from kvlint.commands import audit as command\n"
        "from kvlint.audit.config import AuditConfig\n"
        "parser = argparse.ArgumentParser(); command.add_arguments(parser, 'audit')\n"
        f"args = parser.parse_args(['--subscription', {SUB_A!r}, '--no-diagnostics', "
        "'--format', 'json'])\n"
        f"azure = connect_to({stub.url!r}, {str(stub.ca_path)!r})\n"
        "sys.exit(command.run(args, azure=azure, settings=AuditConfig()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Incomplete download" not in done.stderr
    assert done.stderr.strip().splitlines() == ["0 vaults audited: no findings; 1 read error"]
    report = json.loads(done.stdout)
    assert [(e["scope"], e["message"]) for e in report["errors"]] == [
        (
            f"/subscriptions/{SUB_A}",
            "the connection closed before the response was complete (retried)",
        )
    ]


def test_endless_distinct_next_links_stop_at_the_page_cap(stub, tmp_path, monkeypatch):
    """Issue 23 item 7: a service that keeps sending new same-host nextLinks is not paged
    forever: the scope is one error, what it read is kept, the other scopes go on."""
    from kvlint.audit import arm

    monkeypatch.setattr(arm, "MAX_PAGES", 25)
    counter = itertools.count()

    def pages(request: Request) -> Reply:
        n = next(counter)
        link = f"{stub.url}{list_path(SUB_A)}?api-version=2026-05-15&$skiptoken=p{n}"
        return Reply(body={"value": [vault(f"kv-p{n}")], "nextLink": link})

    stub.add("GET", list_path(SUB_A), pages)
    stub.add("GET", list_path(SUB_B), Reply(body={"value": [vault("kv-b", sub=SUB_B)]}))
    code, report = audit(stub, tmp_path, *subscriptions(SUB_A, SUB_B), "--no-diagnostics")
    assert code == 1
    assert len(stub.seen("GET", list_path(SUB_A))) == 25
    assert report["vaults_audited"] == 26  # the 25 pages read, and the other subscription
    ((scope, (status, message)),) = errors(report).items()
    assert scope == f"/subscriptions/{SUB_A}" and status is None
    assert "stopped after 25 pages" in message
    assert_read_only(stub)


def test_endless_resource_graph_skip_tokens_stop_at_the_page_cap(stub, tmp_path, monkeypatch):
    from kvlint.audit import arm

    monkeypatch.setattr(arm, "MAX_PAGES", 10)
    counter = itertools.count()

    def answer(request: Request) -> Reply:
        body = request.body
        if body["query"].startswith("resourcecontainers"):
            data = [{"id": f"/subscriptions/{SUB_A}", "subscriptionId": SUB_A, "name": "a"}]
            return Reply(body={"totalRecords": 1, "count": 1, "data": data, "facets": []})
        n = next(counter)
        rows = [graph_row(vault(f"kv-g{n}"))]
        return Reply(body={"totalRecords": 10**6, "count": 1, "data": rows, "$skipToken": f"t{n}"})

    stub.add("POST", "/providers/Microsoft.ResourceGraph/resources", answer)
    code, report = audit(stub, tmp_path, "--all-subscriptions", "--no-diagnostics")
    assert code == 1 and report["vaults_audited"] == 10
    (message,) = [m for _, m in errors(report).values()]
    assert "stopped after 10 pages" in message
    assert_read_only(stub)
