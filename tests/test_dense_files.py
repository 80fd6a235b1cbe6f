"""Dense files never exhaust memory or crash libcst: what it cannot parse within bounded memory and
depth is a KV000 decided before libcst sees it, and the run goes on (issue 23, item 2)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kvlint.config import Settings
from kvlint.lint.engine import Linter
from kvlint.lint.sources import python as python_source
from tests.conftest import ROOT

resource = pytest.importorskip("resource")

BAD = "from azure.identity import DefaultAzureCredential\n"
CALL = "DefaultAzureCredential().get_token('https://vault.azure.net/')\n"
MEMORY = 1500 * 1024 * 1024  # address space for the whole kvlint process


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def test_dense_files_are_one_kv000_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """As the tester built them: a 1 MB list of ones and a 10,000-term sum (CPython refuses it;
    libcst took 35 s and crashed), beside an ordinary file whose finding must still come."""
    (tmp_path / "dense.py").write_text(BAD + "x = [" + "1," * 500_000 + "]\n" + CALL)
    (tmp_path / "chain.py").write_text(BAD + "x = " + "+".join(["1"] * 10_000) + "\n" + CALL)
    (tmp_path / "parens.py").write_text(BAD + "x = " + "+".join(["(1)"] * 3_000) + "\n" + CALL)
    (tmp_path / "small.py").write_text(BAD + CALL)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "kvlint", "check", "--no-cache", "--format", "json", "-j", "1", "."],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=_limited,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    found = {(f["path"], f["code"]): f["message"] for f in json.loads(result.stdout)}
    assert set(found) == {
        ("dense.py", "KV000"),
        ("chain.py", "KV000"),
        ("parens.py", "KV000"),
        ("small.py", "KV101"),
    }, found
    assert "too large to analyse" in found["dense.py", "KV000"]
    assert "too deeply nested to analyse" in found["chain.py", "KV000"]
    assert "too deeply nested to analyse" in found["parens.py", "KV000"]
    assert elapsed < 120


def test_the_bounds_are_decided_before_libcst(monkeypatch) -> None:
    """libcst is never asked about a file over the bounds (it is what crashed)."""
    import libcst

    def refuse(*args, **kwargs):
        raise AssertionError("libcst saw a file over the bounds")

    monkeypatch.setattr(libcst, "parse_module", refuse)
    linter = Linter(Settings())
    for text in (
        "x = " + "+".join(["1"] * 10_000),
        "x = " + "-" * 5_000 + "1",
        "x = [" + "1," * (python_source.MAX_TOKENS // 2 + 10) + "]",
        "if a: pass\n" + "elif a: pass\n" * 1_500,
    ):
        result = linter.lint_bytes((BAD + text + "\n" + CALL).encode(), "x.py")
        assert [f.code for f in result.findings] == ["KV000"], text[:40]
        assert "to analyse" in result.findings[0].message


def test_ordinary_large_code_is_still_linted() -> None:
    """Long but ordinary files stay under the bounds: kvlint's own code, concatenated."""
    text = "\n".join(p.read_text() for p in sorted((ROOT / "kvlint" / "lint").rglob("*.py")))
    python_source.check_bounds(text)  # no exception
    wide = "x = {" + ", ".join(f"'k{n}': 'value {n}'" for n in range(20_000)) + "}\n"
    python_source.check_bounds(wide)
