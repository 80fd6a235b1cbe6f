"""Shared test helpers: run the real ``kvlint`` entry point in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_kvlint(
    *args: str,
    input: str | bytes | None = None,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kvlint ARGS`` from this checkout and return the completed process."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("KVLINT_CONFIG", None)
    data = input.decode() if isinstance(input, bytes) else input
    return subprocess.run(
        [sys.executable, "-m", "kvlint", *args],
        input=data,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def kvlint():
    return run_kvlint


@pytest.fixture
def stub(tmp_path):
    """A local HTTPS stand-in for Azure Resource Manager (tests/arm_stub.py)."""
    from tests.arm_stub import ArmStub

    server = ArmStub(tmp_path)
    yield server
    server.close()
