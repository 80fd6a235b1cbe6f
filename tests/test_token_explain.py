"""``kvlint token --acquire --explain``: DefaultAzureCredential's chain walked by the real
azure-identity, read from its own log records. Entra ID is a test double: an ``az`` on PATH that
answers ``az account get-access-token`` with an unsigned token (AzureCliCredential runs it as it
runs the real CLI). ``AZURE_TOKEN_CREDENTIALS=dev`` (azure-identity's own setting) keeps the chain
to the developer credentials, so no managed-identity endpoint is probed.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time

import pytest

from kvlint.cli import main
from kvlint.token.acquire import walk_of
from tests.conftest import ROOT

OID = "207e277f-a838-4c61-940a-950b06cd1cc8"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
VAULTS = str(ROOT / "tests" / "data" / "explain" / "vaults.json")


def _b64(doc: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()


def _token() -> str:
    now = int(time.time())
    claims = {
        "aud": "https://vault.azure.net",
        "iss": f"https://sts.windows.net/{TENANT}/",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "oid": OID,
        "tid": TENANT,
        "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "idtyp": "user",
        "upn": "dev@contoso.com",
        "ver": "1.0",
    }
    return f"{_b64({'typ': 'JWT', 'alg': 'RS256'})}.{_b64(claims)}.c2lnbmF0dXJlLWZvci10ZXN0"


@pytest.fixture
def chain(monkeypatch, tmp_path):
    """A clean environment with only the developer credentials; returns (bin dir, token)."""
    for name in list(os.environ):
        if name.startswith(("AZURE_", "IDENTITY_", "MSI_", "IMDS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "dev")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return bin_dir, _token()


def _fake_az(bin_dir, token: str) -> None:
    script = bin_dir / "az"
    body = json.dumps(
        {
            "accessToken": token,
            "expiresOn": time.strftime(
                "%Y-%m-%d %H:%M:%S.000000", time.localtime(time.time() + 3600)
            ),
            "expires_on": int(time.time()) + 3600,
            "tenant": TENANT,
            "tokenType": "Bearer",
        }
    )
    script.write_text(f"#!{sys.executable}\nprint({body!r})\n", encoding="utf-8")
    script.chmod(0o755)


def test_the_walk_names_the_credential_that_answered_and_why_others_were_skipped(chain, capsys):
    bin_dir, token = chain
    _fake_az(bin_dir, token)
    assert main(["token", "--acquire", "--explain"]) == 0
    out = capsys.readouterr()
    assert "credential chain (from azure-identity's own log records):" in out.out
    assert "SharedTokenCacheCredential     skipped:" in out.out
    assert "AzureCliCredential             answered" in out.out
    assert "-> the token came from AzureCliCredential" in out.out
    assert f"object id       {OID}" in out.out
    assert token not in out.out + out.err and token.split(".")[1] not in out.out


def test_json_carries_the_chain(chain, capsys):
    bin_dir, token = chain
    _fake_az(bin_dir, token)
    assert main(["token", "--acquire", "--explain", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["credential_chain"]["answered_by"] == "AzureCliCredential"
    outcomes = {s["credential"]: s["outcome"] for s in doc["credential_chain"]["steps"]}
    assert outcomes["AzureCliCredential"] == "answered"
    assert outcomes["SharedTokenCacheCredential"] == "skipped"


def test_no_credential_answers_the_walk_still_says_why(chain, capsys):
    assert main(["token", "--acquire", "--explain"]) == 2
    out = capsys.readouterr()
    assert "AzureCliCredential             skipped:" in out.out
    assert "Azure CLI not found" in out.out
    assert out.err.startswith("kvlint: error: DefaultAzureCredential could not get a token")


def test_the_vault_gates_are_predicted_before_the_first_request(chain, capsys):
    bin_dir, token = chain
    _fake_az(bin_dir, token)
    # kv-rbac grants this user Key Vault Secrets User; kv-pay neither admits the address nor
    # has an access policy for the user
    argv = ["token", "--acquire", "--explain", "--input", VAULTS]
    assert main([*argv, "--vault", "https://kv-rbac.vault.azure.net", "--ip", "198.51.100.7"]) == 0
    assert "this identity would get in" in capsys.readouterr().out
    assert main([*argv, "--vault", "https://kv-pay.vault.azure.net", "--ip", "198.51.100.7"]) == 1
    out = capsys.readouterr().out
    # the firewall refuses the address; the access policies grant get only to another object,
    # which may be a group the user is in: undecided (KVA505), never "allowed"
    assert "KVA501: 403 ForbiddenByFirewall" in out and "KVA505" in out
    assert main([*argv, "--vault", "https://kv-pay.vault.azure.net"]) == 1
    out = capsys.readouterr().out
    assert "KVA501" not in out and "pass --ip" in out


def test_input_without_explain_is_refused(capsys):
    assert main(["token", "--acquire", "--input", VAULTS]) == 2
    assert "--input needs --acquire --explain and --vault" in capsys.readouterr().err
    assert main(["token", "--explain", "x.y.z"]) == 2
    assert "--explain applies only with --acquire" in capsys.readouterr().err


def test_walk_of_reads_azure_identity_records_and_masks_secret_shapes():
    walk = walk_of(
        [
            "No environment configuration found.",
            "ManagedIdentityCredential.get_token failed: ManagedIdentityCredential authentication "
            "unavailable, no response from the IMDS endpoint.",
            "AzureCliCredential.get_token failed: ERROR: AADSTS7000215: Invalid client secret "
            "client_secret=Zq8~Xk3pQ.vT9wLm2Ns7Rb4Yc6",
            "DefaultAzureCredential failed to retrieve a token from the included credentials.",
        ]
    )
    assert walk.environment == "no environment configuration"
    assert [(s.credential, s.outcome) for s in walk.steps] == [
        ("ManagedIdentityCredential", "skipped"),
        ("AzureCliCredential", "failed"),
    ]
    assert "Zq8~Xk3pQ" not in walk.steps[1].reason and not walk.answered_by
