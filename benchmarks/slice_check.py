"""Check that slicing changes no finding on the benchmark corpora: ``kvlint check`` with and
``--slice always`` and ``--slice auto`` against ``--slice never`` on each corpus (JSON findings compared whole: position, message, fix).

    python benchmarks/slice_check.py                 # every corpus
    python benchmarks/slice_check.py --corpus dense

Prints, per corpus, the findings of each run and what only one of them has; exits 1 when they
differ. The corpora are those of ``benchmarks/run.py`` (downloaded there once).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from run import CORPORA, DATA, PROJECT, prepare


def findings(paths: list[str], *extra: str) -> list[str]:
    command = [sys.executable, "-m", "kvlint", "check", "--no-cache", "--exit-zero"]
    command += ["--format", "json", *extra, *paths]
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run(command, cwd=DATA, env=env, capture_output=True, text=True, check=True)
    return sorted(json.dumps(f, sort_keys=True) for f in json.loads(done.stdout))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    options = parser.parse_args()
    corpora = options.corpus or list(CORPORA)
    folders = prepare({r for c in corpora for r in CORPORA[c]}, refresh=False)
    differ = False
    for corpus in corpora:
        paths = [str(folders[r].relative_to(DATA)) for r in CORPORA[corpus]]
        whole = findings(paths, "--slice", "never")
        for mode in ("always", "auto"):
            differ = compare(corpus, mode, findings(paths, "--slice", mode), whole) or differ
    return 1 if differ else 0


def compare(corpus: str, mode: str, sliced: list[str], whole: list[str]) -> bool:
    """Print what differs; True when something does."""
    only_sliced = sorted(set(sliced) - set(whole))
    only_whole = sorted(set(whole) - set(sliced))
    print(
        f"{corpus}: {len(sliced)} findings with --slice {mode}, {len(whole)} whole; "
        f"only sliced {len(only_sliced)}, only whole {len(only_whole)}"
    )
    for line in only_sliced[:10]:
        print(f"  only sliced: {line}")
    for line in only_whole[:10]:
        print(f"  only whole: {line}")
    return bool(only_sliced or only_whole)


if __name__ == "__main__":
    sys.exit(main())
