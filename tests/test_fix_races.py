"""``--add-noqa`` and ``--fix`` at the edges the tester found (issue 23, item 7, lint parts): a
comment ending in a backslash is no continuation, and a file another ``--fix`` run fixed
meanwhile is reported as it ends, not as thousands of findings "still fixable"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kvlint.config import Settings
from kvlint.lint import runner as runner_module
from kvlint.lint.discovery import discover
from kvlint.lint.runner import Runner
from tests.conftest import ROOT, run_kvlint

BAD = "from azure.identity import DefaultAzureCredential\n"
CALL = 'DefaultAzureCredential().get_token("https://vault.azure.net/")'
FIXED = 'DefaultAzureCredential().get_token("https://vault.azure.net/.default")'


def test_add_noqa_accepts_a_comment_ending_in_a_backslash(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(f"{BAD}token = {CALL}  # path c:\\\n")
    result = run_kvlint("check", "--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "added noqa to 1 lines" in result.stderr
    assert "left without noqa" not in result.stderr
    text = (tmp_path / "app.py").read_text()
    assert text.splitlines()[1].endswith("# path c:\\  # noqa: KV101")
    assert run_kvlint("check", "--no-cache", ".", cwd=tmp_path).returncode == 0
    # a real continuation is still left alone
    (tmp_path / "cont.py").write_text(f"{BAD}token = {CALL} + \\\n    ''\n")
    result = run_kvlint("check", "--no-cache", "--add-noqa", "cont.py", cwd=tmp_path)
    assert "left without noqa" in result.stderr and "added noqa to 0 lines" in result.stderr


def test_a_file_fixed_meanwhile_is_reported_as_it_ends(tmp_path: Path, monkeypatch) -> None:
    """Deterministically: another run writes the fixed file between our read and our write."""
    for n in range(5):
        (tmp_path / f"m{n}.py").write_text(f"{BAD}token = {CALL}  # {n}\n")
    real = runner_module.safe_lint
    raced: set[str] = set()

    def racing(linter, data, display, relpath):
        result = real(linter, data, display, relpath)
        path = tmp_path / display
        if display not in raced and CALL.encode() in data:
            raced.add(display)
            path.write_bytes(data.replace(CALL.encode(), FIXED.encode()))  # the other run
        return result

    monkeypatch.setattr(runner_module, "safe_lint", racing)
    settings = Settings(root=tmp_path)
    runner = Runner(settings, fix=True)
    outcome = runner.run(discover([str(tmp_path)], settings))
    assert raced and outcome.findings == [], [f.message for f in outcome.findings]
    assert not any("not fixed" in note for note in outcome.notes), outcome.notes
    for n in range(5):
        assert FIXED in (tmp_path / f"m{n}.py").read_text()


def test_two_concurrent_fix_runs_end_clean_and_say_so(tmp_path: Path) -> None:
    for n in range(300):
        (tmp_path / f"m{n:03d}.py").write_text(f"{BAD}token = {CALL}  # {n}\n")
    command = [sys.executable, "-m", "kvlint", "check", "--no-cache", "--fix", "--format"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    runs = [
        subprocess.Popen(
            [*command, "json", "."], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    for output in outputs:
        assert json.loads(output) == []  # nothing left, nothing "still fixable"
    assert all(FIXED in p.read_text() for p in tmp_path.glob("m*.py"))
