"""A device or FIFO named on the command line is skipped with a reason, as in a directory walk,
whatever the output format: ``kvlint check /dev/zero`` grew to 13.5 GB and a FIFO hung, because
the full report read the file again to show its line (issue 23, item 5)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

resource = pytest.importorskip("resource")
pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX")

MEMORY = 1024 * 1024 * 1024
BAD = "from azure.identity import DefaultAzureCredential\n"
CALL = "DefaultAzureCredential().get_token('https://vault.azure.net/')\n"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _kvlint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kvlint", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limited,
        check=False,
    )


@pytest.mark.parametrize("fmt", ["full", "concise", "json"])
def test_named_devices_and_fifos_are_skipped_with_a_reason(tmp_path: Path, fmt: str) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "app.py").write_text(BAD + CALL)
    result = _kvlint(
        tmp_path, "check", "--no-cache", "--output-format", fmt, "/dev/zero", "pipe.py", "app.py"
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    out = result.stdout
    assert out.count("not a regular file (a pipe, socket or device); skipped") == 2
    assert "KV101" in out


def test_inputs_named_as_options_refuse_devices_and_fifos(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "app.py").write_text(BAD + CALL)
    for args in (
        ("audit", "--input", "/dev/zero"),
        ("audit", "--input", "fifo.json"),
        ("check", "--baseline", "fifo.json", "app.py"),
    ):
        result = _kvlint(tmp_path, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "not a regular file (a pipe, socket or device)" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
