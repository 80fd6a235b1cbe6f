"""The README's start, as a new user follows it on a machine with only ``python3``: the install
line as written (lean core from a checkout), then the ``repo: local`` pre-commit hook with the
real pre-commit, then the CI recipe's install-a-wheel and run lines.

Slow: each step installs into a fresh virtual environment (libcst and PyYAML come from the
package index, or pip's cache)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BAD = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git"),
]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)


def _install_line() -> str:
    (line,) = [
        text.strip()
        for block in _blocks("sh")
        for text in block.splitlines()
        if 'pip install "$KVLINT_SRC"' in text
    ]
    return line


def _yaml_block(predicate) -> dict:
    (block,) = [b for b in _blocks("yaml") if predicate(yaml.safe_load(b))]
    return yaml.safe_load(block)


def _env(tmp: Path) -> dict[str, str]:
    """A user's shell: no virtual environment active, not even the test suite's."""
    test_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != test_bin)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return {
        **env,
        "PATH": path,
        "KVLINT_SRC": str(ROOT),
        "HOME": os.environ.get("HOME", str(tmp)),
        "NO_COLOR": "1",
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


def _dists(venv: Path) -> set[str]:
    return {
        p.name.split("-")[0].lower() for p in venv.glob("lib/python*/site-packages/*.dist-info")
    }


def test_from_the_first_line_to_a_pre_commit_hook_and_a_ci_step(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(BAD)
    env = _env(tmp_path)

    # 1. the README's install line, as written
    installed = _bash(_install_line(), project, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    dists = _dists(project / ".venv")
    assert {"kvlint_azure", "libcst", "pyyaml"} <= dists
    assert not any(d.startswith(("azure", "msal", "pygls")) for d in dists), sorted(dists)

    # 2. first run
    first = _bash(". .venv/bin/activate && kvlint --version && kvlint check .", project, env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert first.stdout.startswith("kvlint-azure 0.") and "app.py:2:36: KV101" in first.stdout

    # 3. the repo: local pre-commit hook, as written, run by the real pre-commit
    local = _yaml_block(
        lambda d: isinstance(d, dict) and d.get("repos", [{}])[0].get("repo") == "local"
    )
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(local))
    (project / ".gitignore").write_text(".venv/\n")
    assert _bash("git init -q && git add -A", project, env).returncode == 0
    hook_env = {**env, "PATH": f"{project / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"}
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]
    failing = subprocess.run(
        pre_commit, cwd=project, env=hook_env, capture_output=True, text=True, timeout=300
    )
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "app.py:2:36: KV101" in failing.stdout
    (project / "app.py").write_text(BAD.replace("net/", "net/.default"))
    passing = subprocess.run(
        pre_commit, cwd=project, env=hook_env, capture_output=True, text=True, timeout=300
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
    (project / "app.py").write_text(BAD)

    # 4. CI: the wheel built from the checkout, then the workflow's run lines in a new venv
    (wheel_line,) = [
        text.split("#")[0].strip()
        for block in _blocks("sh")
        for text in block.splitlines()
        if "pip wheel" in text
    ]
    built = _bash(f". .venv/bin/activate && {wheel_line}", project, env)
    assert built.returncode == 0, built.stdout + built.stderr
    workflow = _yaml_block(lambda d: isinstance(d, dict) and d.get("name") == "kvlint")
    runs = [s["run"] for s in workflow["jobs"]["kvlint"]["steps"] if "run" in s]
    assert runs[0].startswith("python -m pip install ci/wheels/")
    ci_env = {**env, "PATH": f"{tmp_path / 'ci' / 'bin'}{os.pathsep}{env['PATH']}"}
    assert _bash(f"python3 -m venv {tmp_path / 'ci'}", project, env).returncode == 0
    for script in runs:
        ran = _bash(script, project, ci_env)
        if "kvlint check" in script:
            assert ran.returncode == 1, ran.stdout + ran.stderr  # findings fail the step
            assert ran.stdout.startswith("::error file=app.py,line=2,col=36")
        else:
            assert ran.returncode == 0, ran.stdout + ran.stderr
    assert '"ruleId": "KV101"' in (project / "kvlint.sarif").read_text()
