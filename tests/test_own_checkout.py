"""kvlint's own code passes its own check (issue 23, item 16): ``{"applicationId":
raw.get("applicationId") or None}`` may be None, so it is no compound identity (KV202)."""

from __future__ import annotations

import os

from kvlint.cli import main
from tests.conftest import ROOT


def test_the_files_the_tester_named_are_clean(capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    files = ["kvlint/audit/powershell.py", "kvlint/audit/terraform.py", "tests/iac_data.py"]
    assert all(os.path.isfile(ROOT / name) for name in files)
    code = main(["check", "--no-cache", "--output-format", "concise", *files])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "All checks passed!" in out
