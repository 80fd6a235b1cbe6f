"""The GitHub Action: action.yml is valid, and its entry script behaves as the runner needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BAD = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
)


def run_action(cwd: Path, tmp: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict]:
    outputs = tmp / "github_output"
    summary = tmp / "step_summary"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp),
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }
    result = subprocess.run(
        [sys.executable, "-m", "kvlint.action"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return result, values


def test_action_yml_is_valid():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-actions",
            str(ROOT / "action.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_findings_annotations_outputs_and_sarif(tmp_path):
    project = tmp_path / "repo"
    project.mkdir()
    (project / "app.py").write_text(BAD)
    result, outputs = run_action(
        project, tmp_path, args=". --select KV1", format="github", upload_sarif="true"
    )
    assert result.returncode == 0
    assert result.stdout.startswith("::error file=app.py,line=2,col=36")
    assert outputs["findings"] == "1" and outputs["exit-code"] == "1"
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "KV101"
    assert "| KV101 | 1 |" in (tmp_path / "step_summary").read_text()


def test_clean_repository(tmp_path):
    project = tmp_path / "repo"
    project.mkdir()
    (project / "app.py").write_text(BAD.replace("net/", "net/.default"))
    result, outputs = run_action(project, tmp_path, args=".", format="text", upload_sarif="false")
    assert result.returncode == 0
    assert outputs == {"findings": "0", "exit-code": "0", "sarif-file": ""}
    assert "No Key Vault problems found" in (tmp_path / "step_summary").read_text()


def test_bad_inputs_are_reported_not_crashed(tmp_path):
    result, outputs = run_action(tmp_path, tmp_path, args=". --format json", format="github")
    assert result.returncode == 0 and outputs["exit-code"] == "2"
    assert "::error title=kvlint::" in result.stdout
    result, outputs = run_action(tmp_path, tmp_path, args="missing-dir", format="github")
    assert outputs["exit-code"] == "2"
    assert "path not found" in result.stdout
