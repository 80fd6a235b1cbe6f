"""No leaks, no side effects.

- ``kvlint check``, ``kvlint token`` (decoding), ``kvlint rules`` and ``kvlint audit --input`` open
  no network connection: they run in a subprocess whose ``sitecustomize`` makes every connect,
  name lookup and ``create_connection`` fail and records the attempt.
- The live audit sends only reads (every stub test calls ``assert_read_only``).
- No secret value and no full token appears in any output or log: lint reports in every format,
  token diagnoses in both formats and on errors, the audit's report and the Azure SDK's debug log.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kvlint.config import Settings
from kvlint.lint.discovery import discover
from kvlint.lint.runner import Runner
from kvlint.report import findings as report
from tests.arm_stub import TOKEN, Reply, assert_read_only, audit, diag_path, list_path
from tests.audit_data import SUB_A, diagnostic, vault
from tests.conftest import ROOT
from tests.token_data import make_jwt, v1_app

GUARD = '''\
"""Installed by tests/test_robust_leaks.py: the network is off limits in this process."""
import os
import socket

_LOG = os.environ["KVLINT_NETWORK_LOG"]


def _blocked(*args, **kwargs):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {args[1:2]!r}\\n")
    raise OSError(101, "network blocked by the kvlint test guard")


socket.socket.connect = _blocked
socket.socket.connect_ex = _blocked
socket.socket.sendto = _blocked
socket.create_connection = _blocked
socket.getaddrinfo = _blocked
'''

CLIENT_SECRET = "Zk8Q~s3cr3tV4lue.abcdefghijklmnopqrstu"
SIGNATURE = "c2lnbmF0dXJlLXBhcnQtdGhhdC1tdXN0LW5ldmVyLWJlLXNob3du"
JWT = make_jwt(v1_app(datetime.now(timezone.utc)), signature=SIGNATURE)  # valid for an hour
SOURCE = f'''\
import logging

import requests
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient

SECRET = "{CLIENT_SECRET}"
TOKEN = "{JWT}"
credential = ClientSecretCredential("tenant", "client", SECRET)
token = credential.get_token("https://vault.azure.net/")
requests.get("https://contoso.vault.azure.net/secrets/db", headers={{"Authorization": TOKEN}})
client = SecretClient("https://contoso.vault.azure.net", credential)
logging.warning("db password: %s", client.get_secret("db").value)
'''


class Offline:
    """``kvlint`` in a subprocess that may not touch the network, and what it tried."""

    def __init__(self, folder: Path, kvlint) -> None:
        self.guard = folder / "guard"
        self.guard.mkdir()
        (self.guard / "sitecustomize.py").write_text(GUARD)
        self.log = folder / "network.log"
        self.kvlint = kvlint

    def env(self) -> dict[str, str]:
        return {
            "PYTHONPATH": f"{self.guard}{os.pathsep}{ROOT}",
            "KVLINT_NETWORK_LOG": str(self.log),
        }

    def run(self, *args: str, env: dict[str, str] | None = None, **kwargs):
        return self.kvlint(*args, env={**self.env(), **(env or {})}, **kwargs)

    def attempts(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def offline(tmp_path, kvlint_process) -> Offline:
    return Offline(tmp_path, kvlint_process)


def test_the_guard_catches_a_connection(offline):
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import urllib.request\n"
            "try:\n    urllib.request.urlopen('https://vault.azure.net', timeout=5)\n"
            "except OSError as exc:\n    print('refused', exc)\n",
        ],
        env={**os.environ, **offline.env()},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert "refused" in probe.stdout, probe.stderr
    assert offline.attempts(), "the guard did not see the connection attempt"


def project(folder: Path, files: int = 1) -> Path:
    folder.mkdir(exist_ok=True)
    for number in range(files):
        (folder / f"app_{number:02d}.py").write_text(SOURCE)
    return folder


def test_check_opens_no_connection(offline, tmp_path):
    code = project(tmp_path / "code", files=30)  # enough for worker processes
    for args in (["--format", "sarif", "-j", "2"], ["--diff"], ["--fix"]):
        result = offline.run("check", *args, ".", cwd=code)
        assert result.returncode == 1, (args, result.stderr)
    piped = offline.run("check", "-", input=SOURCE, cwd=code)
    assert piped.returncode == 1
    assert offline.attempts() == []


def test_token_rules_and_offline_audit_open_no_connection(offline, tmp_path):
    exported = tmp_path / "vaults.json"
    exported.write_text('{"value": []}')
    (tmp_path / "token.txt").write_text(JWT)
    for args, expected in (
        (["token", JWT], 0),
        (["token", "--format", "json", f"@{tmp_path / 'token.txt'}"], 0),
        (["token", JWT, "--vault", "https://contoso.vault.azure.cn"], 1),
        (["token", JWT, "--tenant", "22222222-2222-2222-2222-222222222222"], 1),
        (["token", "not-a-token"], 2),
        (["rules"], 0),
        (["rule", "KV101"], 0),
        (["audit", "--input", str(exported)], 0),
        (["audit", "--input", str(exported), "--token", JWT, "--ip", "203.0.113.9"], 0),
        (["explain", "AADSTS90002: Tenant 'contoso' not found."], 1),
        (
            [
                "explain",
                "Status=403 Message=Public network access is disabled and request is not from a "
                "trusted service nor via an approved private link. Vault: kv-a;location=x",
                "--input",
                str(exported),
            ],
            1,
        ),
    ):
        result = offline.run(*args, cwd=tmp_path)
        assert result.returncode == expected, (args, result.stdout, result.stderr)
    assert offline.attempts() == []


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert CLIENT_SECRET not in text
        assert JWT not in text and SIGNATURE not in text


def test_lint_reports_never_quote_a_secret_or_a_token(kvlint, tmp_path):
    code = project(tmp_path / "code")
    settings = Settings(root=code)
    runner = Runner(settings)
    findings = runner.run(list(discover([str(code)], settings))).findings
    assert {f.code for f in findings} >= {"KV101", "KV401"}
    severities = {c: settings.severity_of(c) for c in runner.linter.enabled}
    for fmt in report.FORMATS:
        assert_no_secret(report.render(fmt, findings, runner.linter.enabled, severities))
    assert_no_secret(report.statistics(findings))
    verbose = kvlint("check", "--no-cache", "--verbose", ".", cwd=code)
    assert verbose.returncode == 1 and "KV401" in verbose.stdout
    assert_no_secret(verbose.stdout, verbose.stderr)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--format", "json"],
        ["--vault", "https://contoso.vault.azure.cn"],
        ["--tenant", "22222222-2222-2222-2222-222222222222", "--format", "json"],
    ],
)
def test_token_output_never_shows_the_token(kvlint, args):
    for form in (JWT, f"Bearer {JWT}", f"Authorization: Bearer {JWT}"):
        result = kvlint("token", *args, "-", input=form)
        assert result.returncode in (0, 1), result.stderr
        assert_no_secret(result.stdout, result.stderr)


@pytest.mark.parametrize(
    "broken",
    [
        JWT + "." + SIGNATURE,  # four segments
        JWT.replace(".", "!", 1),  # not base64url
        JWT.split(".")[0] + ".e30." + SIGNATURE,  # decodes to claims without anything
    ],
)
def test_token_errors_never_echo_the_token(kvlint, broken):
    result = kvlint("token", "--format", "json", "-", input=broken)
    assert result.returncode in (1, 2)
    assert_no_secret(result.stdout, result.stderr)
    assert broken not in result.stdout + result.stderr


def test_a_failing_sign_in_never_shows_the_client_secret(offline, tmp_path):
    """A service principal's secret in the environment; Entra ID unreachable (network off)."""
    env = {
        "AZURE_TENANT_ID": "11111111-1111-1111-1111-111111111111",
        "AZURE_CLIENT_ID": "3fa2c1d0-9e8b-4a7c-8d6e-5f4a3b2c1d0e",
        "AZURE_CLIENT_SECRET": CLIENT_SECRET,
        "AZURE_CONFIG_DIR": str(tmp_path),
        "HOME": str(tmp_path),
        "PATH": "/nonexistent",
    }
    result = offline.run("audit", "--subscription", SUB_A, "--timeout", "20", env=env, timeout=120)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert_no_secret(result.stdout, result.stderr)
    assert offline.attempts()  # it did try to reach Entra ID, and the guard refused


def test_audit_never_logs_the_arm_token(stub, tmp_path, caplog, capsys):
    doc = vault("kv-logged", enableSoftDelete=False)
    stub.add("GET", list_path(SUB_A), Reply(body={"value": [doc]}))
    stub.add("GET", diag_path(doc), Reply(body={"value": [diagnostic()]}))
    with caplog.at_level(logging.DEBUG):
        code, report = audit(stub, tmp_path, "--subscription", SUB_A)
    assert code == 1 and report["vaults_audited"] == 1
    assert "Authorization" in caplog.text  # the SDK did log the request headers...
    out = capsys.readouterr()
    for text in (caplog.text, out.out, out.err, str(report)):
        assert TOKEN not in text  # ...with the bearer token redacted
    assert_read_only(stub)
