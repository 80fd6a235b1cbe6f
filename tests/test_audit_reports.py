"""Audit reports: waived findings with their reasons, --severity apart from --fail-on, a pass /
fail count per vault, benchmark mappings (pages, JSON, SARIF tags), a table that fits."""

from __future__ import annotations

import json

import pytest

from kvlint import catalog, cli
from kvlint.report import table
from tests.audit_data import vault


def run(capsys, tmp_path, *argv: str, docs=None, pyproject: str | None = None):
    path = tmp_path / "v.json"
    path.write_text(json.dumps(docs))
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    code = cli.main(["audit", "--input", str(path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


DOCS = [
    vault("kv-open", networkAcls=None),  # KVA211 (warning)
    vault("kv-short", softDeleteRetentionInDays=30),  # KVA403 (info)
    vault("kv-legacy", networkAcls=None, enablePurgeProtection=False),  # KVA211 + KVA402
]
WAIVER = (
    "[tool.kvlint.audit]\n"
    "[[tool.kvlint.audit.waivers]]\n"
    'vault = "kv-legacy"\n'
    'codes = ["KVA211"]\n'
    'reason = "public by design until INFRA-123"\n'
)


def test_json_lists_waived_findings_with_their_reasons(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, tmp_path, "--format", "json", docs=DOCS, pyproject=WAIVER)
    report = json.loads(out)
    (waived,) = report["waived"]
    assert (waived["vault"], waived["code"]) == ("kv-legacy", "KVA211")
    assert waived["reason"] == "public by design until INFRA-123"
    assert ("kv-legacy", "KVA211") not in [(f["vault"], f["code"]) for f in report["findings"]]


def test_pass_fail_count_per_vault(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, tmp_path, "--format", "json", docs=DOCS, pyproject=WAIVER)
    vaults = {v["name"]: v for v in json.loads(out)["vaults"]}
    checked = vaults["kv-open"]["passed"] + vaults["kv-open"]["failed"]
    # no KVA5xx / KVA6xx / KVA7xx (deployment checks); no KVA404
    assert checked == len(catalog.codes("audit")) - 7 - 5 - 4 - 1
    assert (vaults["kv-open"]["failed"], vaults["kv-open"]["failed_codes"]) == (1, ["KVA211"])
    assert vaults["kv-legacy"]["failed_codes"] == ["KVA402"]
    assert vaults["kv-legacy"]["waived_codes"] == ["KVA211"]
    assert vaults["kv-legacy"]["passed"] == checked - 2
    _, out, _ = run(capsys, tmp_path, "--format", "markdown", docs=DOCS, pyproject=WAIVER)
    assert "## Checks per vault" in out
    assert f"| kv-legacy | vault | {checked - 2} | KVA402 | KVA211 |" in out


def test_a_caller_refusal_counts_as_failed(capsys, tmp_path, monkeypatch):
    """Issue 23 item 15: a vault whose only finding is the caller's refusal (KVA501) does not
    show "failed": 0; an allowed caller is one more check passed; JSON and markdown agree."""
    from tests.audit_data import APP

    monkeypatch.chdir(tmp_path)
    docs = [vault("kv-fw"), vault("kv-ok", networkAcls=None, publicNetworkAccess="Enabled")]
    ask = ("--principal", APP, "--ip", "198.51.100.7")
    _, out, _ = run(capsys, tmp_path, *ask, "--format", "json", docs=docs)
    report = json.loads(out)
    assert [(f["vault"], f["code"]) for f in report["findings"] if f["code"] != "KVA211"] == [
        ("kv-fw", "KVA501")
    ]
    vaults = {v["name"]: v for v in report["vaults"]}
    fw, ok = vaults["kv-fw"], vaults["kv-ok"]
    assert (fw["failed"], fw["failed_codes"], fw["verdict"]) == (1, ["KVA501"], "refused")
    assert (ok["failed_codes"], ok["verdict"]) == (["KVA211"], "allowed")
    assert fw["passed"] == ok["passed"]  # kv-ok: one check failed (KVA211), the verdict passed
    _, plain, _ = run(capsys, tmp_path, "--format", "json", docs=docs)
    alone = {v["name"]: v for v in json.loads(plain)["vaults"]}["kv-fw"]
    assert (alone["failed"], alone["verdict"]) == (0, None)
    assert fw["passed"] == alone["passed"]
    _, out, _ = run(capsys, tmp_path, *ask, "--format", "markdown", docs=docs)
    assert "| vault | kind | passed | failed | waived | caller |" in out
    assert f"| kv-fw | vault | {fw['passed']} | KVA501 |  | refused |" in out


def test_severity_filters_the_report_not_the_exit_code(capsys, tmp_path):
    code, out, err = run(capsys, tmp_path, "--format", "json", "--severity", "error", docs=DOCS)
    report = json.loads(out)
    assert report["findings"] == [] and report["below_severity"] == 4
    assert code == 1  # --fail-on (default warning) still sees the warnings
    assert "4 below --severity not shown" in err
    code, out, _ = run(capsys, tmp_path, "--severity", "warning", "--fail-on", "error", docs=DOCS)
    assert code == 0 and "KVA403" not in out and "KVA211" in out


def test_benchmarks_in_pages_json_and_sarif(capsys, tmp_path):
    page = catalog.get("KVA402").markdown()
    assert "## Benchmarks" in page and "MCSB v1 DP-8" in page
    assert "CIS Microsoft Azure Foundations v2.0.0 8.5: Ensure the Key Vault is Recoverable" in page
    _, out, _ = run(capsys, tmp_path, "--format", "json", docs=DOCS)
    found = {(f["vault"], f["code"]): f for f in json.loads(out)["findings"]}
    assert found[("kv-legacy", "KVA402")]["benchmarks"] == ["MCSB-v1/DP-8", "CIS-Azure-2.0.0/8.5"]
    assert found[("kv-open", "KVA211")]["benchmarks"] == ["MCSB-v1/NS-2"]
    _, out, _ = run(capsys, tmp_path, "--format", "sarif", docs=DOCS)
    rules = {r["id"]: r for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"]}
    assert "CIS-Azure-2.0.0/5.1.5" in rules["KVA404"]["properties"]["tags"]
    assert "MCSB-v1/LT-3" in rules["KVA404"]["properties"]["tags"]


def test_every_benchmark_mapping_is_well_formed():
    frameworks = {"MCSB v1", "CIS Microsoft Azure Foundations v2.0.0"}
    mapped = 0
    for code in catalog.codes("audit"):
        for mark in catalog.get(code).benchmarks:
            mapped += 1
            assert mark.framework in frameworks and mark.control and mark.title, code
    assert mapped >= 20


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_table_fits_the_width_without_splitting_words(width):
    long_id = (
        "/subscriptions/aaaaaaaa-0000/resourceGroups/app/providers/Microsoft.KeyVault/vaults/x"
    )
    rows = [
        ("kv-a-rather-long-vault-name", "KVA211", "warning", "public network access enabled " * 4),
        ("kv-b", "KVA219", "warning", f"private endpoint {long_id[:30]} is Pending"),
    ]
    text = table.render(("VAULT", "CODE", "SEVERITY", "MESSAGE"), rows, width)
    words = {w for row in rows for cell in row for w in cell.split()}
    cells = [("VAULT", "CODE", "SEVERITY", "MESSAGE"), *rows]
    narrowest = sum(max(len(w) for r in cells for w in r[i].split()) for i in range(4)) + 6
    for line in text.splitlines():
        assert len(line) <= max(width, narrowest), (width, line)
        for word in line.split():
            assert word in words or word in ("VAULT", "CODE", "SEVERITY", "MESSAGE"), word
