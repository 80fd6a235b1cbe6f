"""Lint a run's files (each one by :mod:`kvlint.lint.checking`, in worker processes when there
are many), then the passes across modules, and apply fixes. No argument parsing, no output
formatting."""

from __future__ import annotations

import collections
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kvlint.config import Settings
from kvlint.errors import KvlintError
from kvlint.findings import Finding
from kvlint.lint.cache import ResultCache
from kvlint.lint.checking import (
    CHUNK,
    CPUS,
    PARALLEL_MIN_TARGETS,
    Checked,
    check_chunk,
    check_file,
    chunks,
    init_worker,
    paired,
    safe_lint,
    worker_count,
)
from kvlint.lint.discovery import LINTED_SUFFIXES, Target, read
from kvlint.lint.engine import Linter, LintResult, apply_edits
from kvlint.lint.generated import is_generated
from kvlint.lint.project import ProjectOptions
from kvlint.lint.rewrite import FileChanged, decoded, unified, write_atomically
from kvlint.lint.sources import SourceFile
from kvlint.lint.sources.config import kind_of

if TYPE_CHECKING:
    from concurrent.futures import Future

MAX_FIX_ROUNDS = 5
IMPORTER_ROUNDS = 3  # modules between a skipped route and the Key Vault module it reaches
FEW_TARGETS = 64
MAX_OUTSIDE = 5_000  # files of the project looked at for callers of a run of few files  # up to this many files, any skipped one may import a Key Vault module


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    files_seen: int = 0
    files_matched: int = 0  # passed the byte prefilter
    files_generated: int = 0  # of those, skipped: their header says they are generated
    files_cached: int = 0
    files_parsed: int = 0  # by libcst
    files_outlined: int = 0  # valid Python where nothing can matter: never parsed by libcst
    fixed: int = 0
    fixed_codes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (file, code) -> count
    noqa_added: int = 0
    diffs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one-line messages for stderr


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
        project: ProjectOptions | None = None,
    ) -> None:
        self.settings = settings
        # how files see the rest of their project (enabled=False: each file on its own)
        self.project = project if project is not None else ProjectOptions()
        self.linter = Linter(settings, self.project)  # Python, and configuration files by name
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
        seen = _Seen()
        for target, checked in self._check_all(targets):
            outcome.files_seen += 1
            self._count(outcome, target, checked, seen)
        self._project_passes(outcome, seen)
        written = seen.written
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
            initializer=init_worker,
            initargs=(self.settings, self.cache, self.project),
        ) as pool:
            # Small chunks in discovery order: cheap to hand out, and small enough that a
            # chunk of heavy files does not leave the other workers idle at the end.
            for chunk in chunks(itertools.chain(head, pending), CHUNK):
                submitted.append((chunk, pool.submit(check_chunk, chunk)))
                while submitted and submitted[0][1].done():  # keep memory flat meanwhile
                    yield from paired(*submitted.popleft())
            while submitted:
                yield from paired(*submitted.popleft())

    def _run_rewriting(self, targets: Iterable[Target]) -> Outcome:
        """--fix, --diff and --add-noqa: one process, the file's bytes kept for the rewrite."""
        outcome = Outcome()
        seen = _Seen()
        for target in targets:
            outcome.files_seen += 1
            data = read(target)
            if isinstance(data, Finding):
                self._collect(outcome, target, [data])
                continue
            if not self.linter.wants(data):
                if target.path.suffix in LINTED_SUFFIXES:
                    seen.skipped.append(target)
                continue
            outcome.files_matched += 1
            if not self.settings.include_generated and is_generated(data):
                outcome.files_generated += 1
                continue
            seen.matched.append(target)
            result = safe_lint(self.linter, data, target.display, target.relpath)
            outcome.files_parsed += result.parsed and not result.outlined
            outcome.files_outlined += result.outlined
            seen.passed += result.passed
            if result.exports:
                seen.exporting.append(target)
            if self.cache is not None:
                key = self.cache.key(data, target.relpath)
                self.cache.put(key, result.findings, result.used, result.passed, result.exports)
            if (self.fix or self.diff) and self._fixable(result.findings):
                result = self._fix_file(target, data, result, outcome)
            self._collect(outcome, target, result.findings)
        self._project_passes(outcome, seen)
        if self.add_noqa:  # after the passes across modules: their findings are marked too
            self._add_noqa_all(outcome, seen)
        if self.cache is not None:
            self.cache.prune()
        outcome.findings.sort(key=lambda f: f.sort_key)
        return outcome

    # -- across modules -------------------------------------------------------------------------
    def _count(self, outcome: Outcome, target: Target, checked: Checked, seen: _Seen) -> None:
        outcome.files_matched += checked.matched
        outcome.files_generated += checked.generated
        outcome.files_cached += checked.cached
        outcome.files_parsed += checked.parsed
        outcome.files_outlined += checked.outlined
        seen.written += checked.written
        seen.passed += checked.passed
        if checked.matched and not checked.generated:
            seen.matched.append(target)
            if checked.exports:
                seen.exporting.append(target)
        elif checked.skipped_python:
            seen.skipped.append(target)
        self._collect(outcome, target, checked.findings)

    def _project_passes(self, outcome: Outcome, seen: _Seen) -> None:
        """After every file was linted on its own: the skipped files that import a Key Vault
        module of their project are linted (a route calling an accessor mentions no Key Vault
        word), then the helpers other modules call with a vault URL, or on every request, are
        linted again knowing those call sites."""
        project = self.linter.project
        if project is None:
            return
        few = len(seen.matched) + len(seen.skipped) <= FEW_TARGETS
        if seen.skipped and (seen.exporting or few):
            from kvlint.lint.project.reach import importers

            seeds, also = seen.exporting, False
            tells = self.linter.tells
            linted: set[Path] = set()
            for _ in range(IMPORTER_ROUNDS):  # a route -> a service -> the accessor
                remaining = [t for t in seen.skipped if t.path not in linted]
                found = list(
                    importers(
                        project.modules,
                        self.linter.wants,
                        seeds,
                        remaining,
                        few,
                        also=also,
                        tells=tells,
                    )
                )
                for target in found:
                    checked = check_file(
                        self.linter, self.cache, target, self.settings.include_generated, True
                    )
                    self._count(outcome, target, checked, seen)
                    linted.add(target.path)
                if not found:
                    break
                seeds, also = found, True
        if few and seen.exporting:
            self._outside_callers(seen)
        if seen.passed:
            self._second_pass(outcome, seen)

    def _outside_callers(self, seen: _Seen) -> None:
        """A run of a few files (pre-commit names the changed ones): the project's modules
        outside the run that import a Key Vault module of the run are read for what they tell
        it (a route calling the changed accessor makes its read per request). Their own
        findings are not reported: they are not in the run."""
        from kvlint.lint.discovery import discover
        from kvlint.lint.project.reach import importers

        project = self.linter.project
        assert project is not None
        in_run = {t.path.absolute() for t in [*seen.matched, *seen.skipped]}
        roots = sorted({project.modules.module_of(t.path).root for t in seen.exporting})
        outside = []
        for root in roots:
            found = discover([str(root)], self.settings)
            for target in itertools.islice(found, MAX_OUTSIDE):
                if target.path.suffix in LINTED_SUFFIXES and target.path.absolute() not in in_run:
                    outside.append(target)
        wants = self.linter.wants
        for target in importers(
            project.modules, wants, seen.exporting, outside, tells=self.linter.tells
        ):
            checked = check_file(self.linter, self.cache, target, True, True)
            seen.passed += checked.passed

    def _second_pass(self, outcome: Outcome, seen: _Seen) -> None:
        """Call-site propagation across modules: each helper module of this run that others
        told something (:mod:`kvlint.lint.facts.outgoing`) is linted again with it; its first
        findings are replaced. What it then tells the modules it imports (a method run per
        request calls another module's class: route -> service -> factory -> accessor) is
        passed on the same way, for at most ``MAX_PROPAGATION`` rounds, until nothing new is
        told. A helper outside the run is not reported."""
        import json

        project = self.linter.project
        assert project is not None
        told: dict[str, dict[str, str]] = {}  # every module's incoming so far, all rounds
        pending = seen.passed
        targets = [*seen.matched, *seen.skipped]
        for _ in range(MAX_PROPAGATION):
            changed: set[str] = set()
            for path, key, via in sorted(pending):
                calls = told.setdefault(path, {})
                if key not in calls:
                    calls[key] = via
                    changed.add(path)
            if not changed:
                return
            pending = []
            names = {Path(path).name for path in changed}
            for target in targets:
                if target.path.name not in names:
                    continue
                path = str(project.modules.module_of(target.path).path)
                if path not in changed:
                    continue
                calls = told[path]
                outcome.findings = [
                    f
                    for f in outcome.findings
                    if not (f.relpath == target.relpath and f.path == target.display)
                ]
                extra = b"\0incoming\0" + json.dumps(calls, sort_keys=True).encode()
                self.linter.incoming = {path: calls}
                try:
                    checked = check_file(
                        self.linter,
                        self.cache,
                        target,
                        self.settings.include_generated,
                        True,
                        extra,
                    )
                finally:
                    self.linter.incoming = {}
                seen.written += checked.written
                pending += checked.passed
                self._collect(outcome, target, checked.findings)

    @staticmethod
    def _collect(outcome: Outcome, target: Target, findings: list[Finding]) -> None:
        for finding in findings:
            finding.relpath = target.relpath
        outcome.findings.extend(findings)

    def _add_noqa_all(self, outcome: Outcome, seen: _Seen) -> None:
        """Mark every finding of the run, the project passes' included, in its file."""
        by_file: dict[str, list[Finding]] = {}
        for finding in outcome.findings:
            by_file.setdefault(finding.path, []).append(finding)
        done: set[str] = set()
        for target in [*seen.matched, *seen.skipped]:
            findings = by_file.get(target.display)
            if not findings or target.display in done:
                continue
            done.add(target.display)
            data = read(target)
            if isinstance(data, Finding):
                continue
            source = decoded(target.display, data)
            if source is not None:
                self._add_noqa(target, data, source, findings, outcome)

    @staticmethod
    def _add_noqa(
        target: Target, data: bytes, source: SourceFile, findings: list[Finding], outcome: Outcome
    ) -> None:
        from kvlint.lint.suppress import add_noqa

        kind = kind_of(target.display)
        findings = [source.module_finding(f) for f in findings]
        new_text, count, skipped = add_noqa(source.text, findings, kind)
        if skipped:
            why = {
                "json": "JSON has no comments (use per-file-ignores or a baseline)",
                "yaml": "their values span several lines",
            }.get(kind or "", "their lines end inside a string or a backslash continuation")
            outcome.notes.append(f"{target.display}: {skipped} finding(s) left without noqa: {why}")
        if not count:
            return
        try:
            write_atomically(target.path, data, source.encode(new_text))
        except (OSError, KvlintError, ValueError) as exc:
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
        outcome.files_parsed += result.parsed and not result.outlined
        outcome.files_outlined += result.outlined
        output = data
        if (self.fix or self.diff) and result.source and self._fixable(result.findings):
            source = result.source
            text, fixed_result, codes = self._fix_text(result, display)
            if self.diff:
                outcome.diffs.append(_diff(source, text, display))
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
            current = result.source or source
            edits = [current.to_module(e) for f in fixable for e in f.edits]
            new_text = apply_edits(text, edits)
            if new_text == text:
                break
            rewritten = current.with_text(new_text)
            if rewritten is None:  # not writable back (a notebook's magic line): stop here
                break
            codes += [f.code for f in fixable]
            text = new_text
            enabled = self.settings.codes_for(display, self.linter.enabled)
            result = self.linter.lint_text(rewritten, display, enabled)
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
            outcome.diffs.append(_diff(result.source, text, target.display))
            return result
        assert result.source is not None
        try:
            write_atomically(target.path, data, result.source.encode(text))
        except FileChanged as exc:
            # Nothing is written over a change made meanwhile (another --fix run, an editor);
            # what is reported is the file as it is now, not the findings that run just fixed.
            fresh = read(target)
            if isinstance(fresh, Finding):
                return LintResult([fresh])
            now = safe_lint(self.linter, fresh, target.display, target.relpath)
            if self._fixable(now.findings):
                outcome.notes.append(f"{target.display}: not fixed: {exc}")
            return now
        except OSError as exc:
            outcome.notes.append(f"{target.display}: not fixed: {exc.strerror or exc}")
            return result
        except (KvlintError, ValueError) as exc:
            outcome.notes.append(f"{target.display}: not fixed: {exc}")
            return result
        outcome.fixed += len(codes)
        outcome.fixed_codes.update((target.display, code) for code in codes)
        return fixed_result


MAX_PROPAGATION = 4  # rounds of call-site propagation (modules a chain crosses after the first)


@dataclass
class _Seen:
    """What the first pass over a run's files found, for the project passes."""

    matched: list[Target] = field(default_factory=list)  # linted (passed the prefilter)
    exporting: list[Target] = field(default_factory=list)  # of those, LintResult.exports
    skipped: list[Target] = field(default_factory=list)  # Python files the prefilter skipped
    passed: list[tuple[str, str, str]] = field(default_factory=list)
    written: int = 0


def _diff(source: SourceFile | None, text: str, display: str) -> str:
    """The unified diff of a fix; a notebook's per changed cell (``path:cell N``, as ruff)."""
    if source is None:
        return ""
    return "".join(unified(old, new, name) for name, old, new in source.changes(text, display))
