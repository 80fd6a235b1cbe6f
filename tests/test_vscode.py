"""The VS Code extension (editors/vscode): its start-up logic under node's test runner, and a
.vsix packaged with @vscode/vsce from npm. A real VS Code cannot be downloaded here; the server
it starts is tested with a real LSP client in test_server*.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT

EXTENSION = ROOT / "editors" / "vscode"
NODE, NPM = shutil.which("node"), shutil.which("npm")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (`which node`)")


@needs_node
def test_start_up_logic_with_nodes_test_runner():
    """Which command starts the server, the failure message, no telemetry; and that command
    really starts kvlint server (KVLINT_TEST_PYTHON: this suite's Python)."""
    run = subprocess.run(
        [NODE, "--test", "test/"],
        cwd=EXTENSION,
        env={**os.environ, "KVLINT_TEST_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# fail 0" in run.stdout and "# skipped 0" in run.stdout
    assert "# pass 11" in run.stdout


def test_the_manifest_matches_the_server():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    assert manifest["main"] == "./extension.js"
    languages = {
        e.split(":")[1] for e in manifest["activationEvents"] if e.startswith("onLanguage")
    }
    assert languages == {"python", "yaml", "json", "jsonc", "toml", "dotenv"}
    assert "telemetry" not in json.dumps(manifest).lower()


@pytest.mark.slow
@pytest.mark.skipif(
    NODE is None or NPM is None, reason="node and npm are needed (`which node npm`)"
)
def test_the_extension_packages_into_a_vsix(tmp_path):
    work = tmp_path / "vscode"
    shutil.copytree(EXTENSION, work, ignore=shutil.ignore_patterns("node_modules", "*.vsix"))
    # the README's packaging line, as written, from the copy's parent
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [text for text in readme.splitlines() if "@vscode/vsce" in text and "npx" in text]
    assert line.startswith("cd editors/vscode && ")
    npm = {**os.environ, "npm_config_audit": "false", "npm_config_fund": "false"}
    (tmp_path / "editors").mkdir()
    work.rename(tmp_path / "editors" / "vscode")
    work = tmp_path / "editors" / "vscode"
    packaged = subprocess.run(
        ["bash", "-c", line],
        cwd=tmp_path,
        env=npm,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert packaged.returncode == 0, packaged.stdout + packaged.stderr
    with zipfile.ZipFile(work / "kvlint.vsix") as vsix:
        names = set(vsix.namelist())
        manifest = json.loads(vsix.read("extension/package.json"))
    assert {"extension/extension.js", "extension/lib/serverCommand.js"} <= names
    assert "extension/node_modules/vscode-languageclient/node.js" in names
    assert "extension.vsixmanifest" in names
    assert any(n.lower().startswith("extension/license") for n in names)
    assert not any(n.startswith("extension/test/") for n in names)
    assert manifest["name"] == "kvlint" and manifest["version"] == "0.1.0"
