"""Adopting kvlint on an existing code base: baseline, --add-noqa, unused suppressions."""

from __future__ import annotations

import ast
import json
from pathlib import Path

BAD = (
    "import requests\n"
    "from azure.identity import DefaultAzureCredential\n"
    "cred = DefaultAzureCredential()\n"
    'cred.get_token("https://vault.azure.net/")\n'
    'requests.get("https://a.vault.azure.net/secrets/x")\n'
)


def codes(result) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)]


def test_baseline_reports_only_new_findings_and_survives_edits(kvlint, tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    written = kvlint("check", "--write-baseline", "baseline.json", ".", cwd=tmp_path)
    assert written.returncode == 0
    document = json.loads((tmp_path / "baseline.json").read_text())
    assert document["kvlint-baseline"] == 1
    # the raw request has no token (KV104) and no retry (KV302)
    assert sorted(e["code"] for e in document["findings"]) == ["KV101", "KV104", "KV302"]
    assert kvlint("check", "--baseline", "baseline.json", ".", cwd=tmp_path).returncode == 0
    # unrelated edits above the findings move them; they stay baselined
    (tmp_path / "app.py").write_text("# a new header comment\n\n" + BAD)
    moved = kvlint("check", "--baseline", "baseline.json", ".", cwd=tmp_path)
    assert moved.returncode == 0
    assert "3 more in the baseline" in moved.stdout
    # a new finding is reported, even when it repeats an existing one's text
    (tmp_path / "app.py").write_text(BAD + 'cred.get_token("https://vault.azure.net/")\n')
    new = kvlint("check", "--format", "json", "--baseline", "baseline.json", ".", cwd=tmp_path)
    assert codes(new) == [("app.py", 6, "KV101")]


def test_baseline_from_config_and_pruning(kvlint, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kvlint]\nbaseline = "kvlint-baseline.json"\n')
    (tmp_path / "app.py").write_text(BAD)
    kvlint("check", "--write-baseline", "kvlint-baseline.json", ".", cwd=tmp_path)
    assert kvlint("check", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "app.py").write_text(BAD.replace("net/", "net/.default"))
    kvlint("check", "--write-baseline", "kvlint-baseline.json", ".", cwd=tmp_path)
    entries = json.loads((tmp_path / "kvlint-baseline.json").read_text())["findings"]
    assert [e["code"] for e in entries] == ["KV104", "KV302"]


def test_bad_baseline_file(kvlint, tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    (tmp_path / "b.json").write_text("[1, 2]")
    result = kvlint("check", "--baseline", "b.json", ".", cwd=tmp_path)
    assert result.returncode == 2 and "not a kvlint baseline" in result.stderr
    missing = kvlint("check", "--baseline", "none.json", ".", cwd=tmp_path)
    assert missing.returncode == 2 and "baseline not found" in missing.stderr


def test_sarif_carries_the_baseline_fingerprints(kvlint, tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    kvlint("check", "--write-baseline", "b.json", ".", cwd=tmp_path)
    sarif = json.loads(kvlint("check", "--format", "sarif", ".", cwd=tmp_path).stdout)
    prints = {r["partialFingerprints"]["kvlint/v1"] for r in sarif["runs"][0]["results"]}
    recorded = {e["fingerprint"] for e in json.loads((tmp_path / "b.json").read_text())["findings"]}
    assert prints == recorded


def test_add_noqa_keeps_code_valid_and_existing_codes(kvlint, tmp_path):
    source = (
        "import requests\n"
        "from azure.identity import DefaultAzureCredential\n"
        "cred = DefaultAzureCredential()\n"
        'cred.get_token("https://vault.azure.net/")  # noqa: E501\n'
        'x = cred.get_token("https://vault.azure.net/") + \\\n'
        "    1\n"
        'DOC = f"""{cred.get_token("https://vault.azure.net/")}\n'
        '"""\n'
        'requests.get("https://a.vault.azure.net/x",\n'
        "             timeout=1)\n"
    )
    path: Path = tmp_path / "app.py"
    path.write_text(source)
    result = kvlint("check", "--add-noqa", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert "2 finding(s) left without noqa" in result.stderr
    text = path.read_text()
    ast.parse(text)
    lines = text.splitlines()
    assert lines[3].endswith("# noqa: E501, KV101")
    assert lines[4].endswith("\\") and lines[6].startswith('DOC = f"""')
    assert lines[8].endswith("# noqa: KV104, KV302")
    remaining = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert sorted(c for _, _, c in codes(remaining)) == ["KV101", "KV101"]
    again = kvlint("check", "--add-noqa", ".", cwd=tmp_path)
    assert again.returncode == 0 and path.read_text() == text


def test_unused_noqa_is_reported_and_fixed(kvlint, tmp_path):
    path = tmp_path / "app.py"
    path.write_text(
        "from azure.identity import DefaultAzureCredential\n"
        'DefaultAzureCredential().get_token("https://vault.azure.net/.default")'
        "  # noqa: KV101\n"
    )
    result = kvlint("check", "--format", "json", ".", cwd=tmp_path)
    assert codes(result) == [("app.py", 2, "KV100")]
    assert kvlint("check", "--fix", ".", cwd=tmp_path).returncode == 0
    assert path.read_text().splitlines()[1].endswith('.default")')
