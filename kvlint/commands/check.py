"""``kvlint check``: options, then discovery → lint → fix → report.

:func:`add_arguments` declares the options (:mod:`kvlint.commands.check_request`); :func:`run`
turns them into a typed :class:`CheckRequest`, and :func:`execute` runs it (the runner in :mod:`kvlint.lint.runner`
does the work) and prints the report; it returns the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kvlint import config
from kvlint.commands.check_request import (  # noqa: F401 - the command's interface
    FORMATS,
    STATISTICS_FORMATS,
    CheckRequest,
    _start,
    add_arguments,
    override,
    settings_from,
)
from kvlint.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, KvlintError
from kvlint.redact import mask
from kvlint.report import findings as report
from kvlint.report import text as human
from kvlint.report.escape import one_line

if TYPE_CHECKING:
    from kvlint.lint.project import ProjectOptions
    from kvlint.lint.runner import Outcome


def _project(request: CheckRequest, cache_dir: Path | None) -> ProjectOptions:
    """How files see their project: imports resolve below each file's project root (the
    nearest pyproject.toml, setup.cfg, setup.py or .git); for files under no marker, below the
    common folder of the paths named (a package is named from the folder that holds it)."""
    from kvlint.lint.project import ProjectOptions

    slicing = "never" if request.no_slice else request.slice
    if request.no_project:
        return ProjectOptions(enabled=False, slicing=slicing)
    named = [Path(p).absolute() for p in request.paths if p != "-"] or [Path.cwd()]
    try:
        common = Path(os.path.commonpath([str(p) for p in named]))
    except ValueError:  # different drives
        return ProjectOptions(cache_dir=cache_dir, slicing=slicing)
    if not common.is_dir():
        common = common.parent
    while (common / "__init__.py").is_file() and common.parent != common:
        common = common.parent
    return ProjectOptions(cache_dir=cache_dir, fallback_root=common, slicing=slicing)


class _Nearest:
    """The closest configuration per file (a monorepo): discovery's files pass through
    :meth:`split`; a file whose nearest ``pyproject.toml`` with ``[tool.kvlint]`` is not the one
    the run started with is set aside with its own settings (the command line's options on top),
    its path made relative to that configuration's folder, and dropped if that configuration
    excludes it. Looking a configuration up costs one stat per folder (memoised)."""

    def __init__(self, settings: config.Settings, request: CheckRequest, skipped: list[str]):
        self.settings = settings
        self.request = request
        self.skipped = skipped
        self.memo: dict[Path, Path | None] = {}
        self.groups: dict[Path, tuple[config.Settings, list]] = {}

    def nearest(self, directory: Path) -> Path | None:
        chain: list[Path] = []
        found: Path | None = None
        folder = directory
        while True:
            if folder in self.memo:
                found = self.memo[folder]
                break
            chain.append(folder)
            candidate = folder / "pyproject.toml"
            if candidate.is_file() and config.has_kvlint_table(candidate):
                found = candidate.resolve()
                break
            if folder.parent == folder:
                break
            folder = folder.parent
        for seen in chain:
            self.memo[seen] = found
        return found

    def split(self, targets: Iterable) -> Iterator:
        from kvlint.lint.discovery import Target

        for target in targets:
            path = self.nearest(target.path.absolute().parent)
            if path is None or path == self.settings.config_path:
                yield target
                continue
            if path not in self.groups:
                group = config.load(str(path))
                override(group, self.request)
                self.groups[path] = (group, [])
            group, members = self.groups[path]
            relpath = target.path.absolute().relative_to(group.root).as_posix()
            pattern = group.excluded_by(relpath)
            if pattern is not None:
                self.skipped.append(f"{target.display} (excluded by {pattern!r} in {path})")
                continue
            members.append(Target(target.path, target.display, relpath))


def _merge(into: Outcome, more: Outcome) -> None:
    for name in (
        "files_seen",
        "files_matched",
        "files_generated",
        "files_cached",
        "files_parsed",
        "files_outlined",
        "fixed",
        "noqa_added",
    ):
        setattr(into, name, getattr(into, name) + getattr(more, name))
    into.findings += more.findings
    into.fixed_codes.update(more.fixed_codes)
    into.diffs += more.diffs
    into.notes += more.notes


def run(args: argparse.Namespace) -> int:
    return execute(CheckRequest.from_args(args))


def execute(request: CheckRequest) -> int:
    if request.watch:
        if request.fix or request.add_noqa or request.write_baseline or "-" in request.paths:
            raise KvlintError(
                "--watch reports only: not with --fix, --add-noqa, --write-baseline or stdin"
            )
        from kvlint.commands import watch

        return watch.loop(lambda: _execute(request), request.paths or (".",))
    return _execute(request)


def _execute(request: CheckRequest) -> int:
    from kvlint.lint.discovery import discover
    from kvlint.lint.runner import Runner

    settings = settings_from(request)
    paths = list(request.paths) or ["."]
    if request.show_settings:
        from kvlint.report.settings import render_settings

        sys.stdout.write(render_settings(settings, _start(request)))
        return EXIT_OK
    if request.show_files:
        if "-" in paths:
            raise KvlintError("--show-files lists files on disk, not stdin")
        found = discover(paths, settings, force_exclude=request.force_exclude)
        nearest = None if request.isolated or request.config else _Nearest(settings, request, [])
        listed = list(nearest.split(found)) if nearest else list(found)
        if nearest:  # files under a closer configuration that it does not exclude
            listed += [t for _, members in nearest.groups.values() for t in members]
        shown = sorted(t.display for t in listed)
        sys.stdout.write("".join(f"{mask(line)}\n" for line in shown))
        return EXIT_OK
    started = time.perf_counter()

    def runner_for(settings: config.Settings, start: Path) -> Runner:
        cache = None
        if not request.no_cache:
            from kvlint.lint.cache import ResultCache

            project = config.project_root(settings, start)
            directory = project / (settings.cache_dir or ".kvlint_cache")
            mode = ":file-by-file" if request.no_project else ""
            if request.no_slice or request.slice != "auto":  # a comparison: its own entries
                mode += ":slice-" + ("never" if request.no_slice else request.slice)
            cache, refused = ResultCache.open(
                directory, settings.fingerprint() + mode, bool(request.cache_dir), project
            )
            if refused:  # a hostile or odd cache directory: left untouched, the run goes on
                print(f"kvlint: cache not used: {refused}", file=sys.stderr)
        return Runner(
            settings,
            fix=request.fix,
            diff=request.diff,
            unsafe_fixes=request.unsafe_fixes,
            cache=cache,
            jobs=request.jobs,
            add_noqa=request.add_noqa,
            project=_project(request, cache.directory if cache is not None else None),
        )

    runner = runner_for(settings, _start(request))
    fixed_stdin: bytes | None = None
    stdin_data: bytes | None = None
    if paths == ["-"]:
        display = request.stdin_filename or "-"
        stdin_data = sys.stdin.buffer.read()
        outcome, fixed_stdin = runner.lint_stdin(stdin_data, display)
    elif "-" in paths:
        raise KvlintError("'-' (stdin) cannot be combined with other paths")
    else:
        skipped: list[str] = []
        # Discovery feeds the runner as it goes: workers start on the first files found.
        targets = discover(paths, settings, force_exclude=request.force_exclude, skipped=skipped)
        nearest = (
            None if request.isolated or request.config else _Nearest(settings, request, skipped)
        )
        outcome = runner.run(nearest.split(targets) if nearest else targets)
        for group, members in nearest.groups.values() if nearest else ():
            if members:  # files under a closer configuration: a run with its settings
                _merge(outcome, runner_for(group, group.root).run(members))
        if nearest and nearest.groups:
            outcome.findings.sort(key=lambda f: f.sort_key)
        if request.verbose:
            for line in skipped:
                print(f"kvlint: skipped {one_line(line)}", file=sys.stderr)
        if not outcome.files_seen:
            nothing = "no Python or configuration file found"
            if skipped:
                count = len(skipped)
                nothing += (
                    f" ({count} path{'s' if count != 1 else ''} excluded; --verbose lists them)"
                )
            print(f"kvlint: {nothing}", file=sys.stderr)

    for note in outcome.notes:
        print(f"kvlint: {one_line(note)}", file=sys.stderr)
    cache = runner.cache
    if cache is not None and cache.refused:
        print(
            f"kvlint: cache: left alone {cache.refused} symbolic link(s) in {cache.directory}",
            file=sys.stderr,
        )
    hidden = 0
    if request.write_baseline:
        from kvlint.lint import baseline

        count = baseline.write(Path(request.write_baseline), outcome.findings)
        print(f"kvlint: wrote {count} findings to {request.write_baseline}", file=sys.stderr)
        return EXIT_OK
    baseline_file = request.baseline or (
        str(settings.root / settings.baseline) if settings.baseline else None
    )
    if baseline_file:
        from kvlint.lint import baseline

        outcome.findings, hidden = baseline.new_findings(
            outcome.findings, baseline.load(Path(baseline_file))
        )
    if request.add_noqa:
        print(f"kvlint: added noqa to {outcome.noqa_added} lines", file=sys.stderr)
        return EXIT_OK
    if request.verbose:
        print(
            f"kvlint: {outcome.files_seen} files read, {outcome.files_matched} matched the "
            f"prefilter, {outcome.files_generated} generated (skipped), "
            f"{outcome.files_parsed} parsed, {outcome.files_outlined} answered from the outline "
            f"(nothing in them can matter), {outcome.files_cached} from cache, "
            f"in {time.perf_counter() - started:.2f} s",
            file=sys.stderr,
        )
    if fixed_stdin is not None and request.fix and not request.diff:
        sys.stdout.buffer.write(fixed_stdin)
        sys.stdout.flush()
        out = sys.stderr  # the fixed source owns stdout
    else:
        out = sys.stdout
    if request.diff:
        out.write("".join(outcome.diffs))
        out.flush()
        unreadable = [f for f in outcome.findings if f.code == "KV000"]
        for finding in unreadable:  # a file kvlint could not check must not look clean
            print(
                f"{one_line(finding.label)}: KV000 {one_line(finding.message)}",
                file=sys.stderr,
            )
        print(_would_fix(outcome.findings, request.unsafe_fixes), file=sys.stderr)
        if request.human:
            changed = outcome.diffs or unreadable
            return EXIT_FINDINGS if changed and not request.exit_zero else EXIT_OK

    severities = {code: settings.severity_of(code) for code in runner.linter.enabled}

    def rendered(fmt: str, color: bool) -> str:
        if fmt in human.HUMAN_FORMATS:
            return _human(fmt, request, outcome.findings, fixed_stdin or stdin_data, color)
        return report.render(fmt, outcome.findings, runner.linter.enabled, severities)

    for fmt, file in request.outputs:  # -o FORMAT:FILE: more reports of the same run
        _write(file, rendered(fmt, False))
    if request.human:
        color = not request.output_file and human.use_color(request.color, out)
        text = rendered(request.format, color)
    else:
        text = rendered(request.format, False)
    if request.statistics:
        text = report.statistics(outcome.findings, request.format)
        if outcome.files_generated and request.format == "text":
            text += (
                f"{outcome.files_generated:>5}  generated files skipped (--include-generated "
                f"lints them)\n"
            )
    if request.output_file:
        _write(request.output_file, text)
    elif not request.diff:
        out.write(text)
    if request.show_fixes and request.human and not request.diff:
        out.write(report.fixes_list(outcome.fixed_codes, outcome.findings, request.fix))
    if request.human and not request.quiet and not request.diff and outcome.files_seen:
        fixable = sum(1 for f in outcome.findings if f.edits and f.fix_applicability == "safe")
        print(human.summary(outcome.findings, outcome.fixed, fixable, hidden), file=out)
    if any(f.code == "KV000" and f.message.startswith("internal error") for f in outcome.findings):
        return EXIT_ERROR
    if request.exit_non_zero_on_fix and outcome.fixed:
        return EXIT_FINDINGS
    if outcome.findings and not request.exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK


def _write(file: str, text: str) -> None:
    """A report to a file, masked like stdout (its folder must exist)."""
    try:
        Path(file).write_text(mask(text), encoding="utf-8")
    except OSError as exc:
        raise KvlintError(f"cannot write {file}: {exc.strerror}") from None


def _would_fix(findings: list, unsafe_fixes: bool) -> str:
    """``--diff``'s last line, as ruff's: how many findings the diff fixes."""
    safe = sum(1 for f in findings if f.edits and f.fix_applicability == "safe")
    unsafe = sum(1 for f in findings if f.edits and f.fix_applicability != "safe")
    count = safe + unsafe if unsafe_fixes else safe
    line = f"Would fix {count} finding{'s' if count != 1 else ''}."
    if unsafe and not unsafe_fixes:
        line += f" ({unsafe} more with --unsafe-fixes)"
    return line


def _human(
    fmt: str, request: CheckRequest, findings: list, stdin: bytes | None, color: bool
) -> str:
    """The text report: ``concise`` (one line each) or ``full`` (with source lines)."""
    style = human.Style(color)
    if fmt == "concise":
        return human.concise(findings, style)
    cache: dict[tuple[str, int], list[str] | None] = {}

    def lines_of(path: str, cell: int = 0) -> list[str] | None:
        if (path, cell) not in cache:
            cache[path, cell] = _read_lines(
                path, stdin if path == (request.stdin_filename or "-") else None, cell
            )
        return cache[path, cell]

    return human.full(findings, lines_of, style)


def _read_lines(path: str, data: bytes | None, cell: int = 0) -> list[str] | None:
    """A reported file's lines (decoded as the linter decodes it; a notebook's cell's), or
    None if unreadable."""
    from kvlint.fileio import read_regular
    from kvlint.lint.engine import MAX_BYTES
    from kvlint.lint.sources.python import decode

    if data is None:  # never a pipe or a device (a FIFO would hang, /dev/zero never end)
        try:
            data = read_regular(path, MAX_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_BYTES:
            return None
    try:
        if cell:
            from kvlint.notebook import load

            found = load(data).cell(cell)
            return found.lines if found is not None else None
        return human.source_lines(decode(data).text)
    except ValueError:
        return None
