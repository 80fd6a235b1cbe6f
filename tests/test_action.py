"""The GitHub Action: action.yml is valid, and its entry script behaves as the runner needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_format_options_in_args_are_refused_like_format(tmp_path):
    for args in (". --output-format json", ". --output-format=json", ". -osarif:x.sarif", ". -o x"):
        result, outputs = run_action(tmp_path, tmp_path, args=args, format="github")
        assert result.returncode == 0 and outputs["exit-code"] == "2", args
        assert "set the format with the 'format' input" in result.stdout


def _steps() -> list[dict]:
    import yaml

    return yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]


def test_the_action_leaves_the_jobs_python_alone():
    """setup-python with update-environment false; kvlint is installed in its own venv and
    called by path, never as a bare `python` or `pip` of the job's PATH."""
    import re

    steps = _steps()
    (setup,) = [s for s in steps if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["update-environment"] is False
    assert setup["id"] == "python"
    scripts = [s["run"] for s in steps if "run" in s]
    for script in scripts:
        for line in script.splitlines():
            assert not re.match(r"\s*(python3?|pip3?)\b", line), line
    install = next(s for s in steps if s.get("id") == "install")
    assert install["env"]["BASE_PYTHON"] == "${{ steps.python.outputs.python-path }}"
    run = next(s for s in steps if s.get("id") == "kvlint")
    assert run["env"]["KVLINT_PYTHON"] == "${{ steps.install.outputs.python }}"


@pytest.mark.slow
def test_the_actions_install_and_run_steps_work_as_written(tmp_path):
    """The composite's bash steps, run as the runner runs them (expressions substituted): a venv
    under RUNNER_TEMP with the lean core only, then kvlint.action through that venv's Python."""
    import shutil

    if shutil.which("bash") is None:
        pytest.skip("bash is required")
    steps = {s.get("id"): s for s in _steps()}
    runner_temp, project = tmp_path / "runner", tmp_path / "repo"
    runner_temp.mkdir()
    project.mkdir()
    (project / "app.py").write_text(BAD)
    outputs = tmp_path / "install_output"
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env = {**base, "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(outputs)}
    env.update(BASE_PYTHON=sys.executable, ACTION_PATH=str(ROOT))
    installed = subprocess.run(
        ["bash", "-e", "-c", steps["install"]["run"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    python = dict(line.split("=", 1) for line in outputs.read_text().splitlines())["python"]
    assert python.startswith(str(runner_temp))
    dists = {p.name.split("-")[0].lower() for p in Path(python).parent.parent.rglob("*.dist-info")}
    assert "libcst" in dists and "kvlint_azure" in dists
    assert not any(d.startswith("azure") for d in dists), sorted(dists)  # the lean core
    run_env = {**env, "KVLINT_PYTHON": python, "INPUT_ARGS": ".", "INPUT_FORMAT": "github"}
    run_env.update(GITHUB_OUTPUT=str(tmp_path / "run_output"), INPUT_UPLOAD_SARIF="false")
    ran = subprocess.run(
        ["bash", "-e", "-c", steps["kvlint"]["run"]],
        cwd=project,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("::error file=app.py,line=2,col=36")
    assert "exit-code=1" in (tmp_path / "run_output").read_text()
