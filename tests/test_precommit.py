"""The real pre-commit runs this repository's hooks on a temporary git repository.

kvlint is installed into pre-commit once per session (``pre_commit_source`` in conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, PreCommitSource, git_env, run_pre_commit

SLASHED = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
)
CLEAN = (
    "from azure.identity import DefaultAzureCredential\n"
    'DefaultAzureCredential().get_token("https://vault.azure.net/.default")\n'
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is required")


def _repo(tmp_path: Path, text: str, source: PreCommitSource) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = git_env(source.home)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    (repo / "app.py").write_text(text)
    subprocess.run(["git", "add", "app.py"], cwd=repo, check=True, env=env)
    return repo


def test_hook_fails_on_kv101_and_passes_on_clean_code(tmp_path, pre_commit_source):
    repo = _repo(tmp_path, SLASHED, pre_commit_source)
    failing = run_pre_commit(pre_commit_source, repo, "kvlint")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "app.py:2:36: KV101" in failing.stdout
    (repo / "app.py").write_text(CLEAN)
    passing = run_pre_commit(pre_commit_source, repo, "kvlint")
    assert passing.returncode == 0, passing.stdout + passing.stderr


def test_fix_hook_rewrites_the_file(tmp_path, pre_commit_source):
    repo = _repo(tmp_path, SLASHED, pre_commit_source)
    result = run_pre_commit(pre_commit_source, repo, "kvlint-fix")
    assert result.returncode == 1  # pre-commit fails a hook that modified files
    assert (repo / "app.py").read_text() == CLEAN


def test_hook_checks_configuration_files(tmp_path, pre_commit_source):
    env = git_env(pre_commit_source.home)
    repo = _repo(tmp_path, CLEAN, pre_commit_source)
    (repo / "settings.yaml").write_text("keyvault:\n  resource: https://vault.azure.net/\n")
    (repo / "prod.env").write_text("KEYVAULT_SCOPE=https://vault.azure.net\n")
    (repo / "package.json").write_text('{"name": "x"}\n')
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    result = run_pre_commit(pre_commit_source, repo, "kvlint")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "settings.yaml:2:13: KV101" in result.stdout
    assert "prod.env:1:16: KV103" in result.stdout


def test_hooks_leave_default_excluded_files_alone(tmp_path, pre_commit_source):
    """pre-commit names every staged file; the hooks pass --force-exclude (issue 12 item 5)."""
    env = git_env(pre_commit_source.home)
    repo = _repo(tmp_path, CLEAN, pre_commit_source)
    (repo / "dist").mkdir()
    (repo / "dist" / "generated.py").write_text(SLASHED)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    result = run_pre_commit(pre_commit_source, repo, "kvlint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KV101" not in result.stdout


def test_the_hook_installs_the_lean_core(tmp_path, pre_commit_source):
    """The kvlint hook's environment holds kvlint-azure, libcst and PyYAML: no Azure SDK, no
    pygls, no python-hcl2 (the extras)."""
    repo = _repo(tmp_path, CLEAN, pre_commit_source)
    assert run_pre_commit(pre_commit_source, repo, "kvlint").returncode == 0
    names = set()
    for env in Path(pre_commit_source.home).glob("repo*/py_env-*"):
        if any(env.glob("lib/python*/site-packages/kvlint_azure-*.dist-info")) and not any(
            env.glob("lib/python*/site-packages/python_hcl2-*.dist-info")
        ):
            names = {
                d.name.split("-")[0].lower()
                for d in env.glob("lib/python*/site-packages/*.dist-info")
            }
    assert {"kvlint_azure", "libcst", "pyyaml"} <= names
    assert not {n for n in names if n.startswith(("azure", "msal", "pygls", "python_hcl2"))}


def test_hooks_run_serially_with_force_exclude():
    """kvlint forks its own workers (as ruff's hook: require_serial) and pre-commit names every
    staged file (so the hooks must apply excludes to named files)."""
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"] for hook in hooks} == {"kvlint", "kvlint-fix", "kvlint-iac"}
    for hook in hooks:
        assert hook["require_serial"] is True
        if hook["entry"].startswith("kvlint check"):
            assert "--force-exclude" in hook["entry"].split()


NOTEBOOK = """{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [{"name": "stdout", "output_type": "stream", "text": ["ok\\n"]}],
   "source": [
    "%pip install azure-identity\\n",
    "from azure.identity import DefaultAzureCredential\\n",
    "token = DefaultAzureCredential().get_token(\\"https://vault.azure.net/\\")"
   ]
  }
 ],
 "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}
"""


def test_hooks_lint_and_fix_notebooks(tmp_path, pre_commit_source):
    """``types_or`` has ``jupyter``: staged notebooks are linted (cell and line reported) and
    fixed in their cell; the infrastructure-code hook leaves them alone."""
    env = git_env(pre_commit_source.home)
    repo = _repo(tmp_path, CLEAN, pre_commit_source)
    (repo / "explore.ipynb").write_text(NOTEBOOK)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    result = run_pre_commit(pre_commit_source, repo, "kvlint")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "explore.ipynb:cell 1:3:44: KV101" in result.stdout
    iac = run_pre_commit(pre_commit_source, repo, "kvlint-iac")
    assert iac.returncode == 0, iac.stdout + iac.stderr
    fixed = run_pre_commit(pre_commit_source, repo, "kvlint-fix")
    assert fixed.returncode == 1  # pre-commit fails a hook that modified files
    expected = NOTEBOOK.replace('vault.azure.net/\\"', 'vault.azure.net/.default\\"')
    assert expected != NOTEBOOK
    assert (repo / "explore.ipynb").read_text() == expected
