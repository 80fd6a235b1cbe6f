"""``kvlint audit --input``: the encodings and export shapes users really hand it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kvlint import cli
from tests.audit_data import vault
from tests.conftest import ROOT

OPEN = vault("kv-open", networkAcls=None)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def codes(text: str) -> list[tuple[str, str]]:
    return [(f["vault"], f["code"]) for f in json.loads(text)["findings"]]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]
)
def test_windows_encodings_are_read(capsys, tmp_path, encoding):
    """PowerShell 5's ``>`` writes UTF-16 LE with a BOM; Out-File -Encoding utf8 adds a BOM."""
    path = tmp_path / "v.json"
    text = json.dumps([OPEN], indent=2)
    path.write_bytes(text.encode(encoding))
    code, out, err = run(capsys, "--input", str(path), "--format", "json")
    assert code == 1, err
    assert codes(out) == [("kv-open", "KVA211")]


@pytest.mark.parametrize(
    "raw", [b"\xff\xfe[\x00{\x00\x00\xd8", b'[{"name": "caf\xe9"}]', b"\xef\xbb\xbf\xff\xfe"]
)
def test_undecodable_input_is_one_clear_line(capsys, tmp_path, raw):
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    code, out, err = run(capsys, "--input", str(path))
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert line.startswith(f"kvlint: error: {path}: not UTF-")
    assert "undecodable byte 0x" in line and "export the JSON as UTF-8 or UTF-16" in line


def test_utf16_on_stdin(tmp_path):
    data = ("\ufeff" + json.dumps([OPEN])).encode("utf-16-le")
    done = subprocess.run(
        [sys.executable, "-m", "kvlint", "audit", "--input", "-", "--format", "json"],
        input=data,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert codes(done.stdout.decode()) == [("kv-open", "KVA211")]
