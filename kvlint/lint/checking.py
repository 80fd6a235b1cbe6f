"""One file's check: read, prefilter, generated?, cache, lint (in a worker process when a run
has many files). The runner (:mod:`kvlint.lint.runner`) drives these over a run's files."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kvlint.config import Settings
from kvlint.findings import Finding
from kvlint.lint.cache import ResultCache
from kvlint.lint.discovery import LINTED_SUFFIXES, Target, read
from kvlint.lint.engine import Linter, LintResult, parse_error_finding
from kvlint.lint.generated import is_generated
from kvlint.lint.project import ProjectOptions

if TYPE_CHECKING:
    from concurrent.futures import Future


@dataclass
class Checked:
    """What one file contributed to a run (built in a worker process, so it stays small)."""

    findings: list[Finding] = field(default_factory=list)
    matched: bool = False  # passed the byte prefilter
    generated: bool = False  # skipped: generated code
    cached: bool = False
    parsed: bool = False
    written: bool = False  # a cache entry was written
    skipped_python: bool = False  # a Python file the prefilter skipped (it may import one)
    exports: bool = False  # LintResult.exports
    passed: list[tuple[str, str, str]] = field(default_factory=list)  # LintResult.passed


def check_file(
    linter: Linter,
    cache: ResultCache | None,
    target: Target,
    include_generated: bool,
    imports_kv: bool = False,
    extra: bytes = b"",
) -> Checked:
    """Read → prefilter → generated? → cache → lint → cache, for one file (no fixes).

    ``imports_kv``: linted although the prefilter skips it (it imports a Key Vault module of
    its project); ``extra``: what else the result depends on (the second pass's call sites)."""
    data = read(target)
    if isinstance(data, Finding):
        return Checked([data])
    if not imports_kv and not linter.wants(data):
        return Checked(skipped_python=target.path.suffix in LINTED_SUFFIXES)
    if not include_generated and is_generated(data):
        return Checked(matched=True, generated=True)
    key = cache.key(data + extra, target.relpath) if cache is not None else None
    if key is not None:
        assert cache is not None
        cached = cache.get(key, target.display, functools.partial(_unchanged, linter, target))
        if cached is not None:
            return Checked(
                cached.findings,
                matched=True,
                cached=True,
                passed=_located(linter, target, cached.passed),
                exports=cached.exports,
            )
    result = safe_lint(linter, data, target.display, target.relpath, imports_kv)
    if key is not None:
        assert cache is not None
        portable = _portable(target, result.passed)
        cache.put(key, result.findings, result.used, portable, result.exports)
    return Checked(
        result.findings,
        matched=True,
        parsed=result.parsed,
        written=key is not None,
        passed=result.passed,
        exports=result.exports,
    )


SELF = "\0file\0"  # the linted file's own display path, in a cached message


def _portable(target: Target, passed: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """What a file told other modules, as the cache keeps it: their paths relative to the
    file's folder and its own display path a placeholder, so a copied or moved tree (``cp -r
    app app2``, a second worktree, a CI cache restored elsewhere) finds the same entry valid."""
    folder = os.path.dirname(os.path.abspath(target.path))
    return [
        (os.path.relpath(path, folder), key, via.replace(target.display, SELF))
        for path, key, via in passed
    ]


def _located(
    linter: Linter, target: Target, passed: list[tuple[str, str, str]]
) -> list[tuple[str, str, str]]:
    """The inverse of :func:`_portable`, for this run's tree."""
    folder = os.path.dirname(os.path.abspath(target.path))
    project = linter.project
    out = []
    for path, key, via in passed:
        where = os.path.normpath(os.path.join(folder, path))
        if project is not None:
            where = str(project.modules.module_of(Path(where)).path)
        out.append((where, key, via.replace(SELF, target.display)))
    return out


def _unchanged(linter: Linter, target: Target, used: dict[str, str]) -> bool:
    """Whether what a cached result used of other modules still says the same."""
    project = linter.project
    return project is not None and project.unchanged(target.path, used)


_WORKER: tuple[Linter, ResultCache | None, bool] | None = None
PARALLEL_MIN_FILES = 12  # files to parse per worker that make a worker worth starting
PARALLEL_MIN_TARGETS = 48  # files to read: the parse count is unknown until they are read
CHUNK = 16  # files per task handed to a worker


def init_worker(
    settings: Settings, cache: ResultCache | None, project: ProjectOptions | None
) -> None:
    global _WORKER
    _WORKER = (Linter(settings, project), cache, settings.include_generated)


def check_chunk(chunk: list[Target]) -> list[Checked]:
    assert _WORKER is not None
    linter, cache, include_generated = _WORKER
    return [check_file(linter, cache, target, include_generated) for target in chunk]


def safe_lint(
    linter: Linter, data: bytes, display: str, relpath: str, imports_kv: bool = False
) -> LintResult:
    """Lint one file; a bug in kvlint becomes a KV000 finding for that file, not a crash."""
    try:
        with gc_paused():
            return linter.lint_bytes(data, display, relpath, imports_kv)
    except Exception as exc:
        message = f"internal error: {type(exc).__name__}: {exc} (please report this file shape)"
        return LintResult([parse_error_finding(display, message)])


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic garbage collection while one file is linted; its cycles are freed after.

    A parsed file is a few hundred thousand objects, all alive until the checks are done, so
    the collector's passes during the lint find nothing and cost a third of the time. The
    file's tree and index end up as cyclic garbage, all in the youngest generation: one
    generation-0 collection afterwards frees them without scanning the rest of the heap.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(jobs: int, per_worker: int = PARALLEL_MIN_FILES) -> int:
    return max(1, min(CPUS, jobs // per_worker))


def chunks(targets: Iterable[Target], size: int) -> Iterator[list[Target]]:
    chunk: list[Target] = []
    for target in targets:
        chunk.append(target)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def paired(chunk: list[Target], future: Future[list[Checked]]) -> Iterator[tuple[Target, Checked]]:
    yield from zip(chunk, future.result(), strict=True)
