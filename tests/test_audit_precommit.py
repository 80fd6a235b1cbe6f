"""The real pre-commit runs the kvlint-iac hook on a temporary git repository."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import git_env, run_pre_commit
from tests.deploy_data import DEPLOYER_POLICY, module
from tests.iac_data import ARM_TEMPLATE, line_of, template_text

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is required")


def test_iac_hook_audits_templates_and_terraform_and_skips_other_json(tmp_path, pre_commit_source):
    env = git_env(pre_commit_source.home)
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    text = template_text(ARM_TEMPLATE)
    (repo / "infra" / "azuredeploy.json").write_text(text)
    (repo / "package.json").write_text(json.dumps({"name": "x", "resources": []}))
    (repo / "broken.json").write_text("{not json")
    (repo / "dist").mkdir()
    (repo / "dist" / "generated.json").write_text(text.replace("kv-quickstart", "kv-dist"))
    # Terraform source: the vault closes itself in main.tf, secrets.tf writes into it
    closed = "  public_network_access_enabled = false\n" + DEPLOYER_POLICY
    (repo / "infra" / "tf").mkdir()
    for name, source in module(rbac=False, body=closed).items():
        (repo / "infra" / "tf" / name).write_text(source)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    result = run_pre_commit(pre_commit_source, repo, "kvlint-iac")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "kv-quickstart" in output and "KVA211" in output
    assert "4 vaults audited" in output  # package.json and broken.json were skipped
    assert "read error" not in output and "kv-dist" not in output  # dist/ is excluded
    line = line_of(text, '"name": "[parameters(\'keyVaultName\')]"')
    assert f"infra/azuredeploy.json:{line}" in output  # where to fix it
    assert "infra/tf/secrets.tf:1" in output and "KVA701" in output  # the write to fix
