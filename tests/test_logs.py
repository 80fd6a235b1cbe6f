"""``kvlint logs`` over exported audit logs: every input shape, every finding, bad input, outputs.

The fixtures in tests/data/logs/ follow the record shapes of Microsoft's Key Vault logging docs
(storage archive), and the AzureDiagnostics / AZKVAuditLogs table references (Log Analytics).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.logs_data import HOT_OID, throttling_day

DATA = ROOT / "tests" / "data" / "logs"
ARCHIVE = DATA / "archive"

WEB_OID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
APP_OID = "2f1c7d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"


def report(kvlint, *args: str, code: int | None = None, **kw) -> dict:
    result = kvlint("logs", *args, "--format", "json", **kw)
    assert "Traceback" not in result.stderr, result.stderr
    if code is not None:
        assert result.returncode == code, result.stderr
    return json.loads(result.stdout)


def codes(doc: dict) -> list[tuple[str, str]]:
    return sorted((f["code"], f["vault"]) for f in doc["findings"])


def by_code(doc: dict, code: str) -> list[dict]:
    return [f for f in doc["findings"] if f["code"] == code]


@pytest.mark.parametrize(
    ("path", "expected", "records"),
    [
        (
            ARCHIVE,  # a directory of PT1H.json, JSON lines
            [
                ("KVL101", "kv-pay"),
                ("KVL102", "kv-pay"),
                ("KVL104", "kv-pay"),
                ("KVL106", "kv-pay"),
                ("KVL201", "kv-pay"),
                ("KVL301", "kv-pay"),
                ("KVL303", "kv-orders"),
            ],
            15,
        ),
        (
            DATA / "archive-records.json",  # {"records": [...]}, pretty-printed
            [
                ("KVL103", "kv-orders"),
                ("KVL105", "kv-orders"),
                ("KVL109", "kv-orders"),
                ("KVL202", "kv-vault-private"),
                ("KVL302", "kv-orders"),
            ],
            5,
        ),
        (
            DATA / "azurediagnostics.json",
            [("KVL101", "kv-pay"), ("KVL201", "kv-pay"), ("KVL301", "kv-pay")],
            8,
        ),
        (
            DATA / "azurediagnostics.csv",
            [("KVL101", "kv-pay"), ("KVL201", "kv-pay"), ("KVL301", "kv-pay")],
            8,
        ),
        (DATA / "azkvauditlogs.json", [("KVL302", "kv-orders"), ("KVL303", "kv-orders")], 4),
        (DATA / "azkvauditlogs.csv", [("KVL302", "kv-orders"), ("KVL303", "kv-orders")], 4),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else None,
)
def test_every_input_shape(kvlint, path, expected, records):
    doc = report(kvlint, str(path), code=1)
    assert codes(doc) == expected
    assert doc["input"]["records"] == records


def test_firewall_names_the_identity_the_addresses_and_the_rules(kvlint):
    (finding,) = by_code(report(kvlint, str(ARCHIVE)), "KVL201")
    assert finding["details"]["caller"]["object_id"] == WEB_OID
    assert finding["requests"] == 3
    assert set(finding["details"]["addresses"]) == {"203.0.113.7", "198.51.100.23", "10.1.2.3"}
    assert finding["details"]["ip_rules"] == ["198.51.100.23/32", "203.0.113.7/32"]
    assert "10.1.2.3 is private (RFC 1918) space: no IP rule matches it" in finding["message"]
    assert "az keyvault network-rule add --name kv-pay" in finding["message"]


def test_access_policy_refusal_names_the_object_id_that_really_called(kvlint):
    (finding,) = by_code(report(kvlint, str(ARCHIVE)), "KVL301")
    assert finding["details"]["missing"] == "secrets/get"
    assert finding["details"]["caller"]["object_id"] == APP_OID
    assert f"give object id {APP_OID}" in finding["message"]
    assert finding["first"] == "2026-03-02T10:01:00Z" and finding["last"] == "2026-03-02T10:01:30Z"


def test_a_403_that_succeeds_minutes_later_is_propagation_not_a_missing_grant(kvlint):
    doc = report(kvlint, str(ARCHIVE))
    assert not by_code(doc, "KVL302")
    (finding,) = by_code(doc, "KVL303")
    assert finding["details"]["succeeded_from"] == "2026-03-02T10:14:00Z"
    assert "4 min after the first refusal" in finding["message"]


def test_a_403_that_never_succeeds_stays_a_missing_grant(kvlint, tmp_path):
    lines = (next(ARCHIVE.rglob("PT1H.json"))).read_text().splitlines()
    refusals = [line for line in lines if "kv-orders" in line and '"Forbidden"' in line]
    path = tmp_path / "PT1H.json"
    path.write_text("\n".join(refusals) + "\n")
    (finding,) = by_code(report(kvlint, str(path)), "KVL302")
    assert "Key Vault Secrets User" in finding["message"]
    assert "Microsoft.KeyVault/vaults/secrets/getSecret/action" in finding["message"]


def test_the_sdk_challenge_is_not_a_finding(kvlint):
    doc = report(kvlint, str(ARCHIVE))
    (missing,) = by_code(doc, "KVL101")
    assert missing["details"]["address"] == "198.51.100.4"
    assert missing["details"]["client"] == "curl/8.5.0" and missing["requests"] == 2
    assert doc["input"]["sdk_challenges"] == 1  # 20.50.1.10 authenticated right after


def test_token_causes_are_named(kvlint):
    doc = report(kvlint, str(ARCHIVE), str(DATA / "archive-records.json"))
    (slash,) = by_code(doc, "KVL102")
    assert slash["details"]["detail"] == "https://vault.azure.net/"
    assert "trailing slash" in slash["message"]
    (other,) = by_code(doc, "KVL103")
    assert other["details"]["detail"] == "https://management.azure.com/"
    (tenant,) = by_code(doc, "KVL106")
    assert "f8cdef31-a31e-4b4a-93e4-5f571e91255a" in tenant["message"]
    assert "Key Vault expects https://sts.windows.net/72f988bf" in tenant["message"]


def test_bad_input_is_counted_with_line_numbers_and_the_rest_goes_on(kvlint):
    result = kvlint("logs", str(ARCHIVE))
    assert result.returncode == 1
    assert "skipped 2 unreadable records; the first ones:" in result.stdout
    assert "category" in result.stdout and "truncated line?" in result.stdout
    doc = report(kvlint, str(ARCHIVE))
    assert [(p["line"], p["reason"][:8]) for p in doc["input"]["problems"]] == [
        (16, "category"),
        (17, "not JSON"),
    ]


def test_a_truncated_json_array_keeps_what_was_read(kvlint, tmp_path):
    text = (DATA / "azurediagnostics.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"TimeGenerated": "2026-03-02T10:01:30')])
    doc = report(kvlint, str(path))
    assert doc["input"]["records"] == 4
    assert "not closed" in doc["input"]["problems"][-1]["reason"]


def test_an_undecodable_file_is_one_line_and_exit_2(kvlint, tmp_path):
    path = tmp_path / "PT1H.json"
    path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(128, 256)))
    result = kvlint("logs", str(path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not UTF-8 text" in result.stderr


def test_nothing_readable_is_exit_2(kvlint, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": "world"}\n')
    result = kvlint("logs", str(path))
    assert result.returncode == 2
    assert "no AuditEvent record could be read" in result.stderr
    assert "unknown record shape" in result.stderr


def test_usage_errors(kvlint, tmp_path):
    assert kvlint("logs").returncode == 2
    both = kvlint("logs", str(ARCHIVE), "--workspace", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")
    assert both.returncode == 2 and "not both" in both.stderr
    assert (
        "not a duration"
        in kvlint(
            "logs", "--workspace", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "--since", "yesterday"
        ).stderr
    )
    assert "no such file" in kvlint("logs", str(tmp_path / "missing")).stderr
    (tmp_path / "empty").mkdir()
    empty = kvlint("logs", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "no log files (.json, .jsonl, .ndjson, .csv)" in empty.stderr


def test_stdin(kvlint):
    text = (DATA / "azkvauditlogs.csv").read_text()
    doc = report(kvlint, "-", input=text)
    assert codes(doc) == [("KVL302", "kv-orders"), ("KVL303", "kv-orders")]


def test_fail_on(kvlint):
    path = str(DATA / "azkvauditlogs.json")
    assert kvlint("logs", path, "--fail-on", "error").returncode == 1
    assert kvlint("logs", path, "--fail-on", "never").returncode == 0
    only_warning = kvlint("logs", str(DATA / "archive-records.json"), "--vault", "kv-nothing")
    assert only_warning.returncode == 0


def test_cross_check_against_todays_configuration(kvlint):
    doc = report(kvlint, str(ARCHIVE), "--input", str(DATA / "vaults.json"))
    assert doc["vaults_checked"] == 2
    (firewall,) = by_code(doc, "KVL201")
    assert firewall["configuration"] == "still refused today"
    assert "still refuse 198.51.100.23, 10.1.2.3" in firewall["configuration_note"]
    assert "they admit 203.0.113.7" in firewall["configuration_note"]
    (policy,) = by_code(doc, "KVL301")
    assert policy["configuration"] == "already fixed"
    (token,) = by_code(doc, "KVL102")
    assert token["configuration"] is None  # not a configuration question


def test_cross_check_rbac_vault_is_not_verified(kvlint, tmp_path):
    lines = (next(ARCHIVE.rglob("PT1H.json"))).read_text().splitlines()
    path = tmp_path / "PT1H.json"
    path.write_text("\n".join(x for x in lines if "kv-orders" in x and "Forbidden" in x) + "\n")
    doc = report(kvlint, str(path), "--input", str(DATA / "vaults.json"))
    (finding,) = by_code(doc, "KVL302")
    assert finding["configuration"] == "not verified"


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("day") / "PT1H.json"
    throttling_day(path)
    return path


def test_a_throttling_day(kvlint, day):
    doc = report(kvlint, str(day), code=1)
    assert codes(doc) == [
        ("KVL401", "kv-hot"),
        ("KVL402", "kv-warm"),
        ("KVL403", "kv-hot"),
        ("KVL403", "kv-warm"),
    ]
    (hot,) = by_code(doc, "KVL401")
    details = hot["details"]
    # requests answered 429 do not count toward the limit: 4,300 - 300 + one background read
    assert (details["limit"], details["peak"], details["throttled"]) == (4000, 4001, 900)
    assert details["peak_window"] == "2026-03-02T12:00:00Z"
    assert (details["peak_requests"], details["peak_throttled"]) == (4301, 300)
    assert "not counting the 300 answered 429" in hot["message"]
    assert "throttled (429) in 3 windows of 10 seconds" in hot["message"]
    # only callers that were throttled: the background caller got no 429
    assert [c["object_id"] for c in details["top_callers"]] == [HOT_OID]
    # only successful reads count: the 900 answered 429 fetched nothing
    assert details["top_callers"][0]["most_read"] == [{"name": "db-password", "reads": 12000}]
    assert "throttled; reads 'db-password' 12,000x)" in hot["message"]
    assert len(details["series"]) == 61
    (warm,) = by_code(doc, "KVL402")
    assert warm["details"]["peak"] == 3401
    assert (
        "but the busiest 10 s (from 2026-03-02T09:00:00Z) carried 3,401, 85% of"
        in (warm["message"])
    )
    assert "0 throttled" not in warm["message"]
    hot_reads, warm_reads = by_code(doc, "KVL403")
    assert hot_reads["details"]["caller"]["object_id"] == HOT_OID
    assert (
        "'db-password' 12,000 times (up to 12,000 in one hour; at the peak 4,000 in the 10 s "
        "from 2026-03-02T12:00:00Z, 400 a second)" in hot_reads["message"]
    )
    assert [s["name"] for s in warm_reads["details"]["secrets"]] == ["s0", "s1", "s2", "s3", "s4"]


def test_markdown_charts_the_throttled_vault(kvlint, day):
    result = kvlint("logs", str(day), "--format", "markdown")
    assert result.returncode == 1
    text = result.stdout
    assert text.count("```mermaid\nxychart-beta") == 2
    chart = text[text.index("xychart-beta") :]
    labels = chart.split("x-axis [", 1)[1].split("]", 1)[0].split(", ")
    assert len(labels) == len(set(labels)) == 61  # Mermaid merges equal categories
    assert labels[0] == '"11:55:00"' and labels[30] == '"12:00:00"'
    assert "line [" + ", ".join(["4000"] * 61) + "]" in chart
    assert "bar [" in chart and "4500" in chart.split("line", 1)[0]


def test_sarif(kvlint, day):
    result = kvlint("logs", str(day), str(ARCHIVE), "--format", "sarif")
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert all(code in ids for code in ("KVL101", "KVL201", "KVL401", "KVL403"))
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["locations"][0]["logicalLocations"][0]["kind"] == "resource"
        assert res["partialFingerprints"]["kvlint/v1"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(":16: category" in n["message"]["text"] for n in notes)


def test_no_token_is_echoed(kvlint, tmp_path):
    jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCJ9.c2lnbmF0dXJl"
    line = (DATA / "archive-records.json").read_text()
    doc = json.loads(line)["records"][2]
    doc["resultDescription"] = (
        f"AKV10046: Unable to resolve the key used for signature validation. Token: {jwt}"
    )
    path = tmp_path / "PT1H.json"
    path.write_text(json.dumps(doc) + "\n")
    for fmt in ("table", "json", "markdown", "sarif"):
        result = kvlint("logs", str(path), "--format", fmt)
        assert "eyJ" not in result.stdout + result.stderr
        assert "AKV10046" in result.stdout


def test_reading_files_imports_no_azure_sdk(tmp_path):
    code = (
        "import sys; from kvlint.cli import main; "
        f"rc = main(['logs', {str(ARCHIVE)!r}, '--input', {str(DATA / 'vaults.json')!r}, "
        "'--format', 'json', '--output-file', 'out.json']); "
        "bad = sorted(m for m in sys.modules if m.startswith('azure')); "
        "print(rc, bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert result.stdout.strip() == "1 []", result.stderr


def _readme_examples(fence: str) -> list[list[str]]:
    import re
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## `kvlint logs`") :]
    section = section[: section.index("\n## ", 1)]
    commands = []
    for block in re.findall(rf"```{fence}\n(.*?)```", section, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("kvlint logs"):
                commands.append(shlex.split(line.split("  #")[0])[1:])
    return commands


def test_readme_examples_work_as_written(kvlint, tmp_path):
    import shutil

    shutil.copytree(DATA, tmp_path / "tests" / "data" / "logs")
    examples = _readme_examples("sh")
    assert len(examples) == 5
    for argv in examples:
        result = kvlint(*argv, cwd=tmp_path)
        assert result.returncode == 1, (argv, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stdout or "--output-file" in argv
    assert "xychart" not in (tmp_path / "report.md").read_text()  # no throttling in that file
    assert (tmp_path / "report.md").read_text().startswith("# Key Vault audit-log diagnosis")


def test_readme_live_examples_are_valid_requests():
    import argparse

    from kvlint.commands import logs as command

    examples = _readme_examples("text")
    assert len(examples) == 3
    for argv in examples:
        parser = argparse.ArgumentParser()
        command.add_arguments(parser, "logs")
        request = command.request_of(parser.parse_args(argv[1:]))
        assert request.workspace and request.since_seconds in (86400.0, 604800.0)


def test_portal_csv_headers_and_times(kvlint, tmp_path):
    text = (DATA / "azurediagnostics.csv").read_text(encoding="utf-8-sig")
    header, *rows = text.splitlines()
    header = header.replace("TimeGenerated", "TimeGenerated [UTC]")
    rows = [r.replace("2026-03-02T10:00:01.123Z", '"3/2/2026, 10:00:01.123 AM"') for r in rows]
    path = tmp_path / "query_data.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8-sig")
    doc = report(kvlint, str(path))
    assert codes(doc) == [("KVL101", "kv-pay"), ("KVL201", "kv-pay"), ("KVL301", "kv-pay")]
    (firewall,) = by_code(doc, "KVL201")
    assert firewall["first"] == "2026-03-02T10:00:01Z"


def test_progress_is_reported_while_reading(monkeypatch):
    from kvlint.logs import service, sources

    monkeypatch.setattr(sources, "PROGRESS_EVERY", 4)
    seen = []
    service.from_files(
        service.LogsRequest(paths=(str(ARCHIVE),)),
        progress=lambda intake, name: seen.append(intake.records),
    )
    assert seen == [4, 8, 12]


def test_progress_bar_only_on_a_terminal(monkeypatch):
    from io import StringIO

    from kvlint.commands import logs as command
    from kvlint.logs.sources import Intake

    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    for stream, expected in ((Terminal(), True), (StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        bar, show = command._progress()
        show(Intake(records=50_000), "logs/h=10/PT1H.json")
        bar.clear()
        assert ("kvlint logs: reading PT1H.json: 50,000 records" in stream.getvalue()) is expected


def test_hostile_csv_rows_are_counted_and_the_rest_goes_on(kvlint, tmp_path):
    text = (DATA / "azkvauditlogs.csv").read_text()
    header, rest = text.split("\n", 1)
    path = tmp_path / "hostile.csv"
    huge = "a," + "x" * 5_000_000  # larger than any record: skipped a chunk at a time
    path.write_text(header + "\n" + "a,b\x00c,d\n" + huge + "\n" + rest)
    doc = report(kvlint, str(path))
    assert doc["input"]["records"] == 4
    reasons = [p["reason"] for p in doc["input"]["problems"]]
    assert len(reasons) == 2 and "unknown record shape" in reasons[0]
    assert "record larger than 4 MB" in reasons[1]  # never read whole (issue 23 item 7)


def test_deeply_nested_json_is_a_bad_record(kvlint, tmp_path):
    good = (next(ARCHIVE.rglob("PT1H.json"))).read_text().splitlines()[0]
    deep = "[" * 100_000 + "]" * 100_000
    lines = tmp_path / "lines.json"
    lines.write_text(good + "\n" + deep + "\n")
    array = tmp_path / "array.json"
    array.write_text("[\n" + deep + ",\n" + good + "\n]\n")
    for path in (lines, array):
        result = kvlint("logs", str(path), "--format", "json")
        assert result.returncode == 1, result.stderr
        doc = json.loads(result.stdout)
        assert doc["input"]["records"] == 1
        assert [p["reason"] for p in doc["input"]["problems"]] == ["JSON nested too deeply"]


def test_reading_files_opens_no_connection(tmp_path, kvlint):
    """Nothing leaves the machine: kvlint logs FILE runs under the leak tests' network guard."""
    from tests.test_robust_leaks import Offline

    offline = Offline(tmp_path, kvlint)
    for args in (
        [str(ARCHIVE), "--input", str(DATA / "vaults.json")],
        [str(DATA / "azurediagnostics.csv"), "--format", "sarif"],
        [str(DATA / "azkvauditlogs.json"), "--format", "markdown"],
    ):
        result = offline.run("logs", *args, cwd=tmp_path)
        assert result.returncode == 1, (args, result.stderr)
    assert offline.attempts() == []


def test_output_format_and_o_as_everywhere(kvlint, tmp_path):
    out = tmp_path / "r.sarif"
    result = kvlint(
        "logs", str(DATA / "azkvauditlogs.json"), "--output-format", "sarif", "-o", str(out)
    )
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"
