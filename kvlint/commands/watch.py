"""``kvlint check --watch``: lint, then lint again whenever a file below the paths changes.

Polling (every half second, a stat per file) rather than an OS notification library: no extra
dependency, and it works the same on every platform and on network drives. Only the files
kvlint reads count (Python, YAML, JSON, TOML, ``.env``, ``pyproject.toml``); the default
excludes (``.git``, virtual environments, caches) are not watched.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable

from kvlint.config import DEFAULT_EXCLUDE, path_matches

INTERVAL = 0.5  # seconds between two looks
RUNS: int | None = None  # stop after this many runs (tests); None: until Ctrl-C
_SUFFIXES = (".py", ".pyi", ".yaml", ".yml", ".json", ".toml", ".env", ".cfg")


def _watched(name: str) -> bool:
    return name.endswith(_SUFFIXES) or name == ".env" or name.startswith(".env.")


def snapshot(paths: Iterable[str]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every watched file below ``paths`` (links are not followed)."""
    state: dict[str, tuple[int, int]] = {}

    def note(path: str) -> None:
        try:
            stat = os.stat(path, follow_symlinks=False)
        except OSError:
            return
        state[path] = (stat.st_mtime_ns, stat.st_size)

    for raw in paths:
        if os.path.isfile(raw):
            note(raw)
            continue
        for directory, folders, files in os.walk(raw):
            folders[:] = [
                f for f in folders if not any(path_matches(p, f, True) for p in DEFAULT_EXCLUDE)
            ]
            for name in files:
                if _watched(name):
                    note(os.path.join(directory, name))
    return state


def loop(run: Callable[[], int], paths: Iterable[str]) -> int:
    """Run, then run again after each change; returns the last run's exit code."""
    paths = tuple(paths)
    runs, status = 0, 0
    while True:
        print(f"[{time.strftime('%H:%M:%S')}] kvlint: checking...", file=sys.stderr, flush=True)
        before = snapshot(paths)
        status = run()
        runs += 1
        sys.stdout.flush()
        if RUNS is not None and runs >= RUNS:
            return status
        print("kvlint: watching for changes (Ctrl-C stops)", file=sys.stderr, flush=True)
        try:
            while snapshot(paths) == before:
                time.sleep(INTERVAL)
        except KeyboardInterrupt:
            return status
