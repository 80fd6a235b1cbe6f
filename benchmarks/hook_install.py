"""What the pre-commit hook costs on its first run: time, size and distributions installed.

    python benchmarks/hook_install.py                 # this checkout's HEAD
    python benchmarks/hook_install.py --ref main      # another commit (before / after)

A fresh ``PRE_COMMIT_HOME`` and no pip cache (``PIP_NO_CACHE_DIR``), so everything is
downloaded from the package index as on a new developer machine; ``pre-commit run`` installs and runs the
``kvlint`` hook of this repository (``repo:`` this checkout, ``rev:`` the commit of ``--ref``)
on a temporary git repository with one Python file. Reported: wall time of that first run (install + one check), the size of the hook's
environment on disk and the number of distributions in it (pip, setuptools and wheel, which
every pre-commit environment has, not counted).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = {"pip", "setuptools", "wheel"}


def _size(path: Path) -> int:
    total = 0
    for dirpath, _, names in os.walk(path):
        for name in names:
            file = Path(dirpath, name)
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def measure(ref: str, pre_commit: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kvlint-hook-") as tmp:
        home, repo = Path(tmp, "home"), Path(tmp, "repo")
        repo.mkdir()
        (repo / "app.py").write_text("print('hello')\n")
        env = {
            **os.environ,
            "PRE_COMMIT_HOME": str(home),
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        sha = subprocess.run(
            ["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        (repo / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {ROOT}\n    rev: {sha}\n    hooks:\n      - id: kvlint\n"
        )
        git = ["git", "-c", "user.name=k", "-c", "user.email=k@example.com"]
        subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
        subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
        started = time.perf_counter()
        run = subprocess.run(
            [pre_commit, "run", "kvlint", "--all-files"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            sys.exit(f"the hook failed:\n{run.stdout}\n{run.stderr}")
        envs = list(home.glob("repo*/py_env-*"))
        if len(envs) != 1:
            sys.exit(f"expected one hook environment, found {envs}")
        dists = sorted(
            d.name.split("-")[0].lower().replace("_", "-")
            for d in envs[0].glob("lib/python*/site-packages/*.dist-info")
        )
        dists = [d for d in dists if d not in BASE]
        return {
            "ref": ref,
            "seconds": round(seconds, 1),
            "megabytes": round(_size(envs[0]) / 1e6, 1),
            "distributions": len(dists),
            "names": dists,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="the commit whose hook is installed")
    parser.add_argument("--names", action="store_true", help="list the distributions")
    parser.add_argument("--pre-commit", default=shutil.which("pre-commit") or "pre-commit")
    args = parser.parse_args()
    result = measure(args.ref, str(Path(args.pre_commit).absolute()))
    print(
        f"{result['ref']}: first run {result['seconds']} s, {result['megabytes']} MB, "
        f"{result['distributions']} distributions"
    )
    if args.names:
        print("  " + ", ".join(result["names"]))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
