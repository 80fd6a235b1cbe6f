"""The lean core and its extras: what works without the Azure SDK, and the one line that says
which extra to install when a command needs one that is missing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from kvlint import extras
from kvlint.cli import main
from tests.audit_data import vault
from tests.conftest import ROOT
from tests.token_data import make_jwt, v1_app

WORKSPACE = "0b0c0d0e-1111-4222-8333-944445555666"


@pytest.fixture
def no_azure_sdk(monkeypatch):
    """As if the `azure` extra were not installed: every module it provides fails to import."""
    for name in extras.EXTRAS["azure"][1]:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.fixture
def no_pygls(monkeypatch):
    for name in extras.EXTRAS["server"][1]:
        monkeypatch.setitem(sys.modules, name, None)


AZURE_HINT = "pip install 'kvlint-azure[azure]'"


@pytest.mark.parametrize(
    ("argv", "purpose"),
    [
        (["audit"], "kvlint audit of live vaults (without --input)"),
        (["audit", "--subscription", WORKSPACE], "kvlint audit of live vaults (without --input)"),
        (["logs", "--workspace", WORKSPACE], "kvlint logs --workspace"),
        (["token", "--acquire"], "kvlint token --acquire"),
    ],
    ids=["audit", "audit-subscription", "logs-workspace", "token-acquire"],
)
def test_a_live_command_without_the_azure_extra_names_it(no_azure_sdk, capsys, argv, purpose):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"kvlint: error: {purpose} needs the Azure SDK, which is not installed: {AZURE_HINT}"
    ]


def test_logs_check_config_without_the_azure_extra(no_azure_sdk, capsys, tmp_path):
    log = tmp_path / "log.json"
    log.write_text("[]")
    assert main(["logs", str(log), "--check-config"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "kvlint: error: kvlint logs --check-config needs the Azure SDK, which is not installed: "
        + AZURE_HINT
    ]


def test_terraform_source_without_the_iac_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "hcl2", None)
    main_tf = tmp_path / "main.tf"
    main_tf.write_text('resource "azurerm_key_vault" "kv" {\n  name = "kv-x"\n}\n')
    assert main(["audit", "--input", str(main_tf)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "kvlint: error: reading Terraform source (.tf) needs python-hcl2, which is not installed: "
        "pip install 'kvlint-azure[iac]'"
    ]


def test_the_iac_hook_brings_the_iac_extra():
    """The kvlint-iac pre-commit hook installs the core plus python-hcl2, as pinned by the extra."""
    import tomllib
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert hooks["kvlint-iac"]["additional_dependencies"] == extra["optional-dependencies"]["iac"]
    assert "additional_dependencies" not in hooks["kvlint"]
    assert all("hcl2" not in d and "azure" not in d for d in extra["dependencies"])


def test_the_server_without_its_extra(no_pygls, capsys):
    assert main(["server"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "kvlint: error: kvlint server needs pygls, which is not installed: "
        "pip install 'kvlint-azure[server]'"
    ]


def test_an_sdk_import_that_slips_past_require_still_names_the_extra(monkeypatch, capsys):
    """A live path that forgot to call require(): the ImportError becomes the same one line."""
    from kvlint.commands import token

    def boom(args):
        import azure.identity  # noqa: F401

    monkeypatch.setitem(sys.modules, "azure.identity", None)
    monkeypatch.setattr(token, "run", boom)
    assert main(["token", "x.y.z"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"kvlint: error: kvlint token needs the Azure SDK, which is not installed: {AZURE_HINT}"
    ]


def test_an_unrelated_import_error_is_still_an_internal_error(monkeypatch, capsys):
    from kvlint.commands import token

    def boom(args):
        import kvlint_no_such_module  # noqa: F401

    monkeypatch.setattr(token, "run", boom)
    monkeypatch.delenv("KVLINT_DEBUG", raising=False)
    assert main(["token", "x.y.z"]) == 2
    assert "internal error: ModuleNotFoundError" in capsys.readouterr().err


def test_the_lean_commands_work_with_no_azure_sdk_at_all(tmp_path):
    """check, token (offline), audit --input and logs FILE in a process where nothing named
    azure*, msal*, pygls or lsprotocol can be imported (a lean install)."""
    (tmp_path / "app.py").write_text(
        "from azure.identity import DefaultAzureCredential\n"
        'DefaultAzureCredential().get_token("https://vault.azure.net/")\n'
    )
    (tmp_path / "vaults.json").write_text(json.dumps([vault("kv-open", networkAcls=None)]))
    (tmp_path / "logs.json").write_text(
        (ROOT / "tests" / "data" / "logs" / "azkvauditlogs.json").read_text()
    )
    token = make_jwt(v1_app())
    script = textwrap.dedent(
        f"""
        import sys
        from importlib.abc import MetaPathFinder

        class NoExtras(MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("azure", "msal", "pygls", "lsprotocol"):
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None

        sys.meta_path.insert(0, NoExtras())
        from kvlint.cli import main
        codes = [
            main(["check", "--no-cache", "app.py"]),
            main(["token", {token!r}]),
            main(["audit", "--input", "vaults.json"]),
            main(["logs", "logs.json"]),
        ]
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("azure", "msal"))
        print("RESULT", codes, loaded, file=sys.stderr)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    result = [line for line in run.stderr.splitlines() if line.startswith("RESULT")]
    assert result, run.stderr
    # findings (1) or a clean verdict (0); never 2 (an error) and no Azure module loaded
    codes, loaded = result[0].removeprefix("RESULT ").split("] ")
    assert codes.strip("[").split(", ") == ["1", "1", "1", "1"], run.stderr
    assert loaded == "[]"
    assert "app.py:2:" in run.stdout and "KV101" in run.stdout


def test_terraform_source_without_its_extra(monkeypatch, capsys, tmp_path):
    """A .tf file needs python-hcl2 (the iac extra); plans and templates do not."""
    for name in extras.EXTRAS["iac"][1]:
        monkeypatch.setitem(sys.modules, name, None)
    (tmp_path / "main.tf").write_text('resource "azurerm_key_vault" "kv" {}\n')
    assert main(["audit", "--input", str(tmp_path / "main.tf")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "kvlint: error: reading Terraform source (.tf) needs python-hcl2, which is not "
        "installed: pip install 'kvlint-azure[iac]'"
    ]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "resource_changes": []}))
    assert main(["audit", "--input", str(plan)]) == 0
