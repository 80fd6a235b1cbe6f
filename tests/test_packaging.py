"""The built wheel is the distribution ``kvlint-azure`` with the ``kvlint`` package and command."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT


@pytest.mark.slow  # pip builds the wheel in an isolated environment
def test_the_wheel_is_kvlint_azure_with_the_kvlint_command(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name.startswith("kvlint_azure-")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(info))
        entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert metadata["Name"] == "kvlint-azure"
    assert "kvlint = kvlint.cli:main" in entry_points
    assert "kvlint/cli.py" in names and "kvlint/rules/KV101.yaml" in names


def test_version_names_the_distribution(kvlint):
    result = kvlint("--version")
    assert result.returncode == 0 and result.stdout.startswith("kvlint-azure 0.")
