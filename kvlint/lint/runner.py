"""Discover files, lint them, apply fixes. No argument parsing, no output formatting."""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kvlint.config import Settings, path_matches
from kvlint.errors import KvlintError
from kvlint.findings import Finding
from kvlint.lint.cache import ResultCache
from kvlint.lint.engine import Linter, LintResult, apply_edits, parse_error_finding
from kvlint.lint.generated import is_generated
from kvlint.lint.sources.config import discoverable

if TYPE_CHECKING:
    from concurrent.futures import Future

PYTHON_SUFFIXES = (".py", ".pyi")
MAX_FIX_ROUNDS = 5


@dataclass(frozen=True)
class Target:
    """A file to lint: where it is, how to show it, and its path relative to the project."""

    path: Path
    display: str
    relpath: str


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    files_seen: int = 0
    files_matched: int = 0  # passed the byte prefilter
    files_generated: int = 0  # of those, skipped: their header says they are generated
    files_cached: int = 0
    files_parsed: int = 0
    fixed: int = 0
    fixed_codes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (file, code) -> count
    noqa_added: int = 0
    diffs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one-line messages for stderr


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):  # outside the root; a symlink loop (3.10-3.12)
        return Path(os.path.relpath(path.absolute(), Path.cwd())).as_posix()


def discover(
    paths: list[str],
    settings: Settings,
    *,
    force_exclude: bool = False,
    skipped: list[str] | None = None,
) -> Iterator[Target]:
    """Files below ``paths`` that kvlint handles, honouring default and configured excludes.

    As in ruff, a path named on the command line is linted even when an exclude pattern matches
    it (a named folder's own name does not exclude what is inside it), unless ``force_exclude``
    (pre-commit names every staged file). What is left out is appended to ``skipped`` with the
    reason, for ``--verbose``.
    """
    root = settings.root.resolve()
    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            raise KvlintError(f"path not found: {raw}")
        relpath = _relative(path, root)
        directory = path.is_dir()
        pattern = settings.excluded_by(relpath, directory)
        if pattern is not None and force_exclude:
            _skip(skipped, raw, pattern, directory, "--force-exclude")
            continue
        if directory:
            anchor = relpath if pattern is not None else None
            yield from _walk(path, raw, settings, root, anchor, skipped)
        else:
            yield Target(path, raw, relpath)


def _skip(
    skipped: list[str] | None, shown: str, pattern: str | None, directory: bool, why: str = ""
) -> None:
    if skipped is not None:
        slash = "/" if directory and not shown.endswith("/") else ""
        reason = f"excluded by '{pattern}'" + (f", {why}" if why else "")
        skipped.append(f"{shown}{slash} ({reason})")


def _walk(
    top: Path,
    raw: str,
    settings: Settings,
    root: Path,
    anchor: str | None = None,
    skipped: list[str] | None = None,
) -> Iterator[Target]:
    """Files below ``top``. ``anchor``: the named folder is itself excluded, so patterns are
    matched against paths below it (``kvlint check dist`` lints ``dist/a.py``)."""

    def tested(relpath: str) -> str:
        if anchor is None or anchor == ".":
            return relpath
        return relpath[len(anchor) + 1 :] if relpath.startswith(anchor + "/") else relpath

    excluded = settings.exclusion()  # compiled once for the whole walk
    top_text = os.fspath(top)
    # (folder on disk, its path relative to the project root, its path relative to ``top``)
    todo: list[tuple[str, str, str]] = [(top_text, _relative(top, root), "")]
    while todo:
        directory, base, below = todo.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:  # unreadable or vanished: os.walk ignored it too
            continue
        subdirs: list[tuple[str, str, str]] = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()  # follows a symlink, like os.walk
            except OSError:
                is_dir = False
            shown_below = f"{below}/{name}" if below else name
            if is_dir:
                relpath = tested(_entry_relpath(entry, base, root))
                if excluded(relpath, True):
                    if skipped is not None:
                        shown = _display(raw, shown_below)
                        _skip(skipped, shown, settings.excluded_by(relpath, True), True)
                elif not entry.is_symlink():  # os.walk(followlinks=False) lists, never enters
                    subdirs.append((entry.path, _entry_relpath(entry, base, root), shown_below))
                continue
            if not (name.endswith(PYTHON_SUFFIXES) or discoverable(name) or settings.include):
                continue
            relpath = _entry_relpath(entry, base, root)
            if not _wanted(name, relpath, settings):
                continue
            if excluded(tested(relpath), False):
                if skipped is not None:
                    reason = settings.excluded_by(tested(relpath))
                    _skip(skipped, _display(raw, shown_below), reason, False)
                continue
            yield Target(Path(entry.path), _display(raw, shown_below), relpath)
        todo.extend(reversed(subdirs))  # depth first, in name order, as os.walk did


def _entry_relpath(entry: os.DirEntry[str], base: str, root: Path) -> str:
    """``_relative(entry)`` given ``base = _relative(its folder)``: only a symlink needs resolving
    (folders are never entered through a symlink, so ``base`` is already resolved)."""
    if entry.is_symlink():
        return _relative(Path(entry.path), root)
    return entry.name if base == "." else f"{base}/{entry.name}"


def _display(raw: str, below: str) -> str:
    """How a found file is shown: below the path the user gave, as they spelled it."""
    return os.path.join(raw, below) if raw != "." else below


# -- file kinds: Python sources, configuration files (kvlint.lint.sources.config), `include` --
def _wanted(name: str, relpath: str, settings: Settings) -> bool:
    if name.endswith(PYTHON_SUFFIXES) or discoverable(name):
        return True
    return any(path_matches(pattern, relpath) for pattern in settings.include)


def read(target: Target) -> bytes | Finding:
    """The file's bytes, read once. A pipe or device (which would block or never end) is refused
    after opening it without blocking, so the check and the read concern the same file."""
    try:
        if target.path.is_dir():
            return parse_error_finding(target.display, "is a directory, not a file")
        fd = os.open(target.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return parse_error_finding(
                    target.display, "not a regular file (a pipe, socket or device); skipped"
                )
            return handle.read()
    except OSError as exc:
        return parse_error_finding(target.display, f"cannot read file: {exc.strerror or exc}")


@dataclass
class Checked:
    """What one file contributed to a run (built in a worker process, so it stays small)."""

    findings: list[Finding] = field(default_factory=list)
    matched: bool = False  # passed the byte prefilter
    generated: bool = False  # skipped: generated code
    cached: bool = False
    parsed: bool = False
    written: bool = False  # a cache entry was written


def check_file(
    linter: Linter, cache: ResultCache | None, target: Target, include_generated: bool
) -> Checked:
    """Read → prefilter → generated? → cache → lint → cache, for one file (no fixes)."""
    data = read(target)
    if isinstance(data, Finding):
        return Checked([data])
    if not linter.wants(data):
        return Checked()
    if not include_generated and is_generated(data):
        return Checked(matched=True, generated=True)
    key = cache.key(data, target.relpath) if cache is not None else None
    if key is not None:
        cached = cache.get(key, target.display)  # type: ignore[union-attr]
        if cached is not None:
            return Checked(cached, matched=True, cached=True)
    result = safe_lint(linter, data, target.display, target.relpath)
    if key is not None:
        cache.put(key, result.findings)  # type: ignore[union-attr]
    return Checked(result.findings, matched=True, parsed=result.parsed, written=key is not None)


_WORKER: tuple[Linter, ResultCache | None, bool] | None = None
PARALLEL_MIN_FILES = 12  # files to parse per worker that make a worker worth starting
PARALLEL_MIN_TARGETS = 48  # files to read: the parse count is unknown until they are read
CHUNK = 16  # files per task handed to a worker


def _init_worker(settings: Settings, cache: ResultCache | None) -> None:
    global _WORKER
    _WORKER = (Linter(settings), cache, settings.include_generated)


def _check_chunk(chunk: list[Target]) -> list[Checked]:
    assert _WORKER is not None
    linter, cache, include_generated = _WORKER
    return [check_file(linter, cache, target, include_generated) for target in chunk]


def safe_lint(linter: Linter, data: bytes, display: str, relpath: str) -> LintResult:
    """Lint one file; a bug in kvlint becomes a KV000 finding for that file, not a crash."""
    try:
        with gc_paused():
            return linter.lint_bytes(data, display, relpath)
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


def _chunks(targets: Iterable[Target], size: int) -> Iterator[list[Target]]:
    chunk: list[Target] = []
    for target in targets:
        chunk.append(target)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _paired(chunk: list[Target], future: Future[list[Checked]]) -> Iterator[tuple[Target, Checked]]:
    yield from zip(chunk, future.result(), strict=True)


class Runner:
    def __init__(
        self,
        settings: Settings,
        *,
        fix: bool = False,
        diff: bool = False,
        unsafe_fixes: bool = False,
        cache: ResultCache | None = None,
        jobs: int | None = None,
        add_noqa: bool = False,
    ) -> None:
        self.settings = settings
        self.linter = Linter(settings)  # Python, and configuration files by name
        self.fix = fix
        self.diff = diff
        self.unsafe_fixes = unsafe_fixes
        self.cache = cache
        self.jobs = jobs
        self.add_noqa = add_noqa

    def run(self, targets: Iterable[Target]) -> Outcome:
        """Lint ``targets`` (a list, or discovery's generator: the workers start on the first
        files while the rest are still being found). Findings are sorted, so the answer does
        not depend on the order in which workers finish."""
        if self.fix or self.diff or self.add_noqa:
            return self._run_rewriting(targets)
        outcome = Outcome()
        written = 0
        for target, checked in self._check_all(targets):
            outcome.files_seen += 1
            outcome.files_matched += checked.matched
            outcome.files_generated += checked.generated
            outcome.files_cached += checked.cached
            outcome.files_parsed += checked.parsed
            written += checked.written
            self._collect(outcome, target, checked.findings)
        if self.cache is not None:
            self.cache.written = max(self.cache.written, written)  # workers wrote them too
            self.cache.prune()
        outcome.findings.sort(key=lambda f: f.sort_key)
        return outcome

    def _check_all(self, targets: Iterable[Target]) -> Iterator[tuple[Target, Checked]]:
        """Each file with its :class:`Checked`, in target order. With many files, reading,
        prefiltering and the cache happen in the worker processes, and chunks go to them as
        discovery finds the files: nothing serial before the pool starts working."""
        include = self.settings.include_generated
        pending = iter(targets)
        # Enough files to decide whether a pool pays off (discovery may still be going on).
        head = list(itertools.islice(pending, PARALLEL_MIN_TARGETS * CPUS))
        more = len(head) == PARALLEL_MIN_TARGETS * CPUS
        workers = self.jobs or (CPUS if more else worker_count(len(head), PARALLEL_MIN_TARGETS))
        if workers <= 1:
            for target in itertools.chain(head, pending):
                yield target, check_file(self.linter, self.cache, target, include)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        submitted: collections.deque[tuple[list[Target], Future[list[Checked]]]]
        submitted = collections.deque()
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=(self.settings, self.cache),
        ) as pool:
            # Small chunks in discovery order: cheap to hand out, and small enough that a
            # chunk of heavy files does not leave the other workers idle at the end.
            for chunk in _chunks(itertools.chain(head, pending), CHUNK):
                submitted.append((chunk, pool.submit(_check_chunk, chunk)))
                while submitted and submitted[0][1].done():  # keep memory flat meanwhile
                    yield from _paired(*submitted.popleft())
            while submitted:
                yield from _paired(*submitted.popleft())

    def _run_rewriting(self, targets: Iterable[Target]) -> Outcome:
        """--fix, --diff and --add-noqa: one process, the file's bytes kept for the rewrite."""
        outcome = Outcome()
        for target in targets:
            outcome.files_seen += 1
            data = read(target)
            if isinstance(data, Finding):
                self._collect(outcome, target, [data])
                continue
            if not self.linter.wants(data):
                continue
            outcome.files_matched += 1
            if not self.settings.include_generated and is_generated(data):
                outcome.files_generated += 1
                continue
            result = safe_lint(self.linter, data, target.display, target.relpath)
            outcome.files_parsed += result.parsed
            if self.cache is not None:
                self.cache.put(self.cache.key(data, target.relpath), result.findings)
            if (self.fix or self.diff) and self._fixable(result.findings):
                result = self._fix_file(target, data, result, outcome)
            elif self.add_noqa and result.findings and result.source is not None:
                self._add_noqa(target, data, result, outcome)
            self._collect(outcome, target, result.findings)
        if self.cache is not None:
            self.cache.prune()
        outcome.findings.sort(key=lambda f: f.sort_key)
        return outcome

    @staticmethod
    def _collect(outcome: Outcome, target: Target, findings: list[Finding]) -> None:
        for finding in findings:
            finding.relpath = target.relpath
        outcome.findings.extend(findings)

    def _add_noqa(self, target: Target, data: bytes, result: LintResult, outcome: Outcome) -> None:
        from kvlint.lint.sources.config import kind_of
        from kvlint.lint.suppress import add_noqa

        assert result.source is not None
        kind = kind_of(target.display)
        new_text, count, skipped = add_noqa(result.source.text, result.findings, kind)
        if skipped:
            why = {
                "json": "JSON has no comments (use per-file-ignores or a baseline)",
                "yaml": "their values span several lines",
            }.get(kind or "", "their lines end inside a string or a backslash continuation")
            outcome.notes.append(f"{target.display}: {skipped} finding(s) left without noqa: {why}")
        if not count:
            return
        try:
            write_atomically(target.path, data, result.source.encode(new_text))
        except (OSError, KvlintError) as exc:
            outcome.notes.append(f"{target.display}: no noqa added: {exc}")
            return
        outcome.noqa_added += count

    def lint_stdin(self, data: bytes, display: str) -> tuple[Outcome, bytes]:
        """Lint bytes from standard input; returns the (fixed, if asked) bytes to print."""
        outcome = Outcome(files_seen=1)
        if not self.settings.include_generated and is_generated(data):
            outcome.files_generated = 1  # as a file of that content would be skipped
            return outcome, data
        result = safe_lint(self.linter, data, display, display)
        outcome.files_parsed += result.parsed
        output = data
        if (self.fix or self.diff) and result.source and self._fixable(result.findings):
            source = result.source
            text, fixed_result, codes = self._fix_text(result, display)
            if self.diff:
                outcome.diffs.append(_unified(source.text, text, display))
            elif codes:
                outcome.fixed += len(codes)
                outcome.fixed_codes.update((display, code) for code in codes)
                result = fixed_result
                output = source.encode(text)
        outcome.findings.extend(result.findings)
        return outcome, output

    # -- fixes --------------------------------------------------------------------------------
    def _fixable(self, findings: list[Finding]) -> list[Finding]:
        return [
            f for f in findings if f.edits and (f.fix_applicability == "safe" or self.unsafe_fixes)
        ]

    def _fix_text(self, result: LintResult, display: str) -> tuple[str, LintResult, list[str]]:
        """Apply fixes until none is left (at most a few rounds); returns the text, the result
        and the codes of the findings fixed."""
        assert result.source is not None
        source = result.source
        first = result
        text = source.text
        codes: list[str] = []
        for _ in range(MAX_FIX_ROUNDS):
            fixable = self._fixable(result.findings)
            if not fixable:
                break
            new_text = apply_edits(text, [e for f in fixable for e in f.edits])
            if new_text == text:
                break
            codes += [f.code for f in fixable]
            text = new_text
            enabled = self.settings.codes_for(display, self.linter.enabled)
            result = self.linter.lint_text(type(source)(text, source.encoding), display, enabled)
            if not result.parsed:  # a fix must never break the file: give up on all of them
                return source.text, first, []
        return text, result, codes

    def _fix_file(
        self, target: Target, data: bytes, result: LintResult, outcome: Outcome
    ) -> LintResult:
        original = result.source.text if result.source else ""
        text, fixed_result, codes = self._fix_text(result, target.display)
        if not codes or text == original:
            return result
        if self.diff:
            outcome.diffs.append(_unified(original, text, target.display))
            return result
        assert result.source is not None
        try:
            write_atomically(target.path, data, result.source.encode(text))
        except OSError as exc:
            outcome.notes.append(f"{target.display}: not fixed: {exc.strerror or exc}")
            return result
        except KvlintError as exc:
            outcome.notes.append(f"{target.display}: not fixed: {exc}")
            return result
        outcome.fixed += len(codes)
        outcome.fixed_codes.update((target.display, code) for code in codes)
        return fixed_result


def _unified(before: str, after: str, display: str) -> str:
    import difflib  # only --diff needs it (start-up)

    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=display if os.path.isabs(display) else f"a/{display}",
            tofile=display if os.path.isabs(display) else f"b/{display}",
        )
    )


def write_atomically(path: Path, expected: bytes, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a temporary file in the same directory.

    Refuses when the file changed since it was read (``expected``) or is read-only; keeps the
    file mode (and, where allowed, its owner); on any error the original stays untouched and the
    temporary file is removed.
    """
    try:
        current = path.read_bytes()
    except OSError:
        raise KvlintError("file disappeared before it could be fixed") from None
    if current != expected:
        raise KvlintError("file changed while kvlint was running; run again")
    import tempfile  # only a rewrite needs it (start-up)

    real = path.resolve()
    info = real.stat()
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o222 or not os.access(real, os.W_OK):  # os.replace would not care
        raise KvlintError("file is read-only")
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".kvlint-tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file to someone else
                os.chown(tmp, info.st_uid, info.st_gid)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
