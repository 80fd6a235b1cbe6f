"""Hostile input never reaches the terminal or a review document as it was written: control
characters are shown as pictures, names cannot inject Markdown, values in suggested commands
are quoted (issue 23, item 3), and tokens and secret values are masked by their structure, the
carets staying under what they mark (issue 23, item 4)."""

from __future__ import annotations

import base64
import json
import re
import shlex
from pathlib import Path

import pytest

from kvlint.redact import mask, masked
from kvlint.report import escape
from tests.audit_data import vault
from tests.conftest import ROOT, run_kvlint

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BAD = "from azure.identity import DefaultAzureCredential\n"
CALL = 'DefaultAzureCredential().get_token("https://vault.azure.net/")'
ARCHIVE = next((ROOT / "tests" / "data" / "logs" / "archive").rglob("PT1H.json"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# A header with leading whitespace: base64url "eyAi…", not "eyJ…"
SPACED = ".".join(
    [
        _b64(b' {"alg": "RS256", "typ": "JWT"}'),
        _b64(json.dumps({"aud": "https://vault.azure.net", "oid": "x" * 40}).encode()),
        _b64(b"s" * 64),
    ]
)
ACCOUNT_KEY = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA1234567890abcdEFGH=="
SAS_SIG = "q7Lb0y5Xk1zv3p9H2YcRMw8tQn4JfE6uA0sD1gK2hL3%3D"
CLIENT_SECRET = "abc8Q~Zx9yWv7Ut5Sr3Qp1On_Ml.Kj-Ih~Gf2Ed"


def _no_control(text: str) -> None:
    assert not CONTROL.search(text), repr(CONTROL.search(text).group(0))


def test_escape_units() -> None:
    assert escape.printable("a\x1b[2J\x07b") == "a\u241b[2J\u2407b"
    assert escape.printable("x\u202ey") == "x\ufffdy"
    assert escape.one_line("a\n\n# b") == "a # b"
    assert escape.markdown_text("kv\n# x <details>") == "kv \\# x \\<details\\>"
    assert escape.markdown_code("a`b") == "``a`b``"
    assert escape.shell_quote("kv; rm -rf ~") == "'kv; rm -rf ~'"


def test_full_report_shows_control_pictures_not_escape_sequences(tmp_path: Path) -> None:
    """The tester's line: printing it raw set the terminal's title and cleared the screen."""
    line = f's = "\x1b]0;PWNED\x07\x1b[2J"; {CALL}\n'
    (tmp_path / "app.py").write_text(BAD + line)
    for fmt in ("full", "concise", "text", "github", "junit"):
        result = run_kvlint("check", "--no-cache", "--output-format", fmt, ".", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        _no_control(result.stdout.replace("\n", "").replace("\t", ""))
    full = run_kvlint("check", "--no-cache", ".", cwd=tmp_path).stdout
    assert "\u241b]0;PWNED\u2407\u241b[2J" in full


def test_a_file_name_with_escape_sequences_is_shown_printable(tmp_path: Path) -> None:
    (tmp_path / "evil\x1b[2J\x07.py").write_text(f"{BAD}{CALL}\n")
    for fmt in ("full", "concise"):
        result = run_kvlint("check", "--no-cache", "--output-format", fmt, ".", cwd=tmp_path)
        assert result.returncode == 1
        _no_control(result.stdout.replace("\n", ""))
        assert "evil\u241b[2J\u2407.py" in result.stdout
    missing = run_kvlint("check", "no\x1b[31mpe.py", cwd=tmp_path)
    _no_control(missing.stderr.replace("\n", ""))


HOSTILE = "kv-x\n\n# All checks passed ✅\n\n<details>\x1b[2J"


def _audit_input(tmp_path: Path) -> Path:
    doc = vault(
        "kv-x",
        enablePurgeProtection=False,
        publicNetworkAccess="Enabled",
        networkAcls={"defaultAction": "Allow"},
    )
    doc["name"] = HOSTILE
    doc["id"] = doc["id"] + "`<script>"
    path = tmp_path / "vault.json"
    path.write_text(json.dumps(doc))
    return path


def test_audit_markdown_cannot_be_injected_by_a_vault_name(tmp_path: Path) -> None:
    path = _audit_input(tmp_path)
    result = run_kvlint("audit", "--input", str(path), "--format", "markdown", cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    out = result.stdout
    assert "KVA" in out, out
    _no_control(out.replace("\n", ""))
    assert not any(line.startswith("# All checks") for line in out.splitlines())
    assert "<details>" not in out and "<script>" not in out.replace("`<script>", "")
    assert "\\<details\\>" in out
    heading = next(line for line in out.splitlines() if line.startswith("## kv-x"))
    assert heading.startswith("## kv-x \\# All checks passed")


def test_audit_table_shows_names_printable(tmp_path: Path) -> None:
    path = _audit_input(tmp_path)
    result = run_kvlint("audit", "--input", str(path), "--format", "table", cwd=tmp_path)
    assert "KVA" in result.stdout
    _no_control(result.stdout.replace("\n", ""))
    assert "\u241b[2J" in result.stdout


def test_logs_never_print_escape_codes_and_quote_the_suggested_command(tmp_path: Path) -> None:
    evil = "KV-PAY;TOUCH$(X)\x1b[2J"
    lines = []
    for raw in ARCHIVE.read_text().split("\n"):
        try:
            record = json.loads(raw)
        except ValueError:  # the archive holds a truncated line on purpose
            lines.append(raw)
            continue
        if isinstance(record, dict) and isinstance(record.get("resourceId"), str):
            record["resourceId"] = record["resourceId"].replace("KV-PAY", evil)
            claims = record.get("identity", {}).get("claim")
            if isinstance(claims, dict):
                claims["upn"] = "user\x1b]0;PWNED\x07@example.com"
        lines.append(json.dumps(record))
    path = tmp_path / "PT1H.json"
    path.write_text("\n".join(lines) + "\n")
    table = run_kvlint("logs", str(path), cwd=tmp_path)
    assert "KVL201" in table.stdout, table.stdout + table.stderr
    _no_control(table.stdout.replace("\n", ""))
    markdown = run_kvlint("logs", str(path), "--format", "markdown", cwd=tmp_path)
    _no_control(markdown.stdout.replace("\n", ""))
    doc = json.loads(run_kvlint("logs", str(path), "--format", "json", cwd=tmp_path).stdout)
    (firewall,) = [f for f in doc["findings"] if f["code"] == "KVL201"]
    command = re.search(r"`(az keyvault network-rule add [^`]*)`", firewall["message"]).group(1)
    words = shlex.split(command)
    assert words[words.index("--name") + 1].lower() == evil.lower()  # one word, quoted


@pytest.mark.parametrize(
    "args",
    [
        ("check", SPACED),
        ("rule", SPACED),
        ("rule", SPACED.upper()),
        ("check", "--select", SPACED, "."),
        ("check", "--ignore", SPACED.upper(), "."),
    ],
    ids=["check-path", "rule", "rule-upper", "select", "ignore-upper"],
)
def test_a_jwt_not_starting_with_eyj_is_never_echoed(tmp_path: Path, args) -> None:
    assert not SPACED.startswith("eyJ")
    result = run_kvlint(*args, cwd=tmp_path)
    assert result.returncode == 2
    for shown in (SPACED, SPACED.upper(), SPACED.split(".")[1], SPACED.split(".")[1].upper()):
        assert shown not in result.stdout + result.stderr
    assert "characters)" in result.stderr


def test_mask_by_structure_units() -> None:
    assert mask(f"x {SPACED} y") == f"x {masked(SPACED)} y"
    for harmless in (
        "myvault.vault.azure.net",
        "kvlint.lint.engine.Linter",
        "a.b.c",
        "https://login.microsoftonline.com/common/v2.0",
        "version 1.22.333",
    ):
        assert mask(harmless) == harmless


def test_full_report_masks_secrets_in_source_and_keeps_the_caret_aligned(tmp_path: Path) -> None:
    jwt = ".".join(
        [
            _b64(b'{"alg":"none"}'),
            _b64(b'{"aud":"https://vault.azure.net","n":"' + b"y" * 90 + b'"}'),
            "",
        ]
    )
    source = (
        BAD
        + f'conn = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey={ACCOUNT_KEY}"\n'
        + f'sas = "https://a.blob.core.windows.net/c?sv=2022-11-02&sig={SAS_SIG}"\n'
        + f'client_secret = "{CLIENT_SECRET}"\n'
        + f't = "{jwt}"; {CALL}\n'
    )
    (tmp_path / "app.py").write_text(source)
    result = run_kvlint("check", "--no-cache", "--output-format", "full", ".", cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 1, result.stderr
    for secret in (ACCOUNT_KEY, SAS_SIG, CLIENT_SECRET, jwt):
        assert secret not in out
    lines = out.splitlines()
    index = next(i for i, line in enumerate(lines) if re.match(r"\s*5 \|", line))
    shown, carets = lines[index], lines[index + 1]
    assert masked(jwt) in shown
    start = carets.index("^")
    width = len(carets) - start
    marked = shown[start : start + width]
    assert "vault.azure.net" in marked and "…" not in marked, (shown, carets)
