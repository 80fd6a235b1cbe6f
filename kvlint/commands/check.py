"""``kvlint check``: options, then discovery → lint → fix → report.

:func:`add_arguments` declares the options; :func:`run` turns them into a typed
:class:`CheckRequest`, and :func:`execute` runs it (the runner in :mod:`kvlint.lint.runner`
does the work) and prints the report; it returns the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from kvlint import config
from kvlint.commands.options import add_format
from kvlint.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, KvlintError
from kvlint.redact import mask
from kvlint.report import findings as report
from kvlint.report import text as human

if TYPE_CHECKING:
    from kvlint.lint.project import ProjectOptions
    from kvlint.lint.runner import Outcome

FORMATS = (*human.HUMAN_FORMATS, *(f for f in report.FORMATS if f != "text"))

STATISTICS_FORMATS = (*human.HUMAN_FORMATS, "json")


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    del name
    parser.add_argument(
        "paths",
        nargs="*",
        default=[],
        metavar="PATH",
        help="files or directories to lint (default: .); '-' reads stdin",
    )
    parser.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    parser.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply fixes marked unsafe (with --fix or --diff)",
    )
    parser.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff; change nothing"
    )
    parser.add_argument(
        "--show-fixes",
        action="store_true",
        help="list the fixes applied (with --fix) or available, per file and code",
    )
    add_format(
        parser,
        FORMATS,
        "text",
        "report format (default: %(default)s, the same as full: each finding with its "
        "source line and help; concise: one line per finding)",
    )
    parser.add_argument(
        "--color",
        choices=human.COLOR_CHOICES,
        default="auto",
        help="colour the text report: auto (on a terminal, unless NO_COLOR; FORCE_COLOR forces "
        "it), always or never",
    )
    parser.add_argument(
        "--output-file",
        "-o",
        metavar="[FORMAT:]FILE",
        action="append",
        default=[],
        help="write the report to FILE instead of stdout; FORMAT:FILE (e.g. sarif:kvlint.sarif) "
        "writes one more report in that format, besides stdout. Repeatable: several formats in "
        "one run",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    parser.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when --fix changed a file, even if nothing is left to report",
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="print counts per code instead of the findings (text or json)",
    )
    parser.add_argument(
        "--select", metavar="CODES", help="only these comma-separated codes or prefixes"
    )
    parser.add_argument(
        "--extend-select",
        metavar="CODES",
        help="codes or prefixes to enable in addition to --select or the configuration",
    )
    parser.add_argument(
        "--ignore", metavar="CODES", help="comma-separated codes or prefixes to leave out"
    )
    parser.add_argument("--config", metavar="FILE", help="pyproject.toml or TOML file to use")
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="ignore every configuration file (defaults and command-line options only)",
    )
    parser.add_argument(
        "--exclude",
        metavar="PATTERNS",
        help="comma-separated path patterns to exclude, replacing the configuration's and the "
        "default excludes",
    )
    parser.add_argument(
        "--extend-exclude",
        metavar="PATTERNS",
        help="comma-separated path patterns to exclude in addition to the configuration's",
    )
    parser.add_argument(
        "--per-file-ignores",
        metavar="PATTERN:CODES",
        action="append",
        help="codes to ignore in files matching PATTERN, replacing the configuration's "
        "per-file-ignores (e.g. 'tests/*:KV1,KV3'; repeatable)",
    )
    parser.add_argument(
        "--extend-per-file-ignores",
        metavar="PATTERN:CODES",
        action="append",
        help="like --per-file-ignores, in addition to the configuration's",
    )
    parser.add_argument(
        "--show-settings",
        action="store_true",
        help="print the settings in effect for the first path (after configuration files and "
        "options) and exit",
    )
    parser.add_argument(
        "--show-files",
        action="store_true",
        help="print the files that would be linted, one a line, and exit",
    )
    parser.add_argument(
        "--watch",
        "-w",
        action="store_true",
        help="lint again whenever a file changes (polls every half second; Ctrl-C stops)",
    )
    parser.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="the name of the file read from stdin (for messages and config)",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    parser.add_argument("--cache-dir", metavar="DIR", help="cache directory (.kvlint_cache)")
    parser.add_argument(
        "--add-noqa",
        action="store_true",
        help="append '# noqa: CODE' to every offending line (gradual roll-out)",
    )
    parser.add_argument(
        "--baseline", metavar="FILE", help="report only findings that are not in this baseline"
    )
    parser.add_argument(
        "--write-baseline", metavar="FILE", help="record the current findings in FILE and exit 0"
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes (default: one per core when there are many files)",
    )
    parser.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply exclude patterns to paths named on the command line too (pre-commit hooks)",
    )
    parser.add_argument(
        "--include-generated",
        action="store_true",
        help="also lint files whose header says they are generated (Code generated by, "
        "DO NOT EDIT, AutoRest); skipped by default",
    )
    parser.add_argument(
        "--no-project",
        action="store_true",
        help="lint each file on its own: names imported from other modules of the project "
        "stay unknown (faster; for comparison)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary line")
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="print what was skipped and why, file counts (read / matched / parsed / cached) "
        "and timing",
    )


@dataclass(frozen=True)
class CheckRequest:
    """One ``kvlint check`` run, as typed values (field names are the options' names)."""

    paths: tuple[str, ...] = ()
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    format: str = "text"
    output_file: str | None = None
    # -o FORMAT:FILE: more reports, besides stdout (or output_file)
    outputs: tuple[tuple[str, str], ...] = ()
    exit_zero: bool = False
    statistics: bool = False
    select: str | None = None
    extend_select: str | None = None
    ignore: str | None = None
    config: str | None = None
    isolated: bool = False
    exclude: str | None = None
    extend_exclude: str | None = None
    per_file_ignores: tuple[str, ...] | None = None
    extend_per_file_ignores: tuple[str, ...] | None = None
    show_settings: bool = False
    show_files: bool = False
    watch: bool = False
    stdin_filename: str | None = None
    no_cache: bool = False
    cache_dir: str | None = None
    add_noqa: bool = False
    baseline: str | None = None
    write_baseline: str | None = None
    jobs: int | None = None
    force_exclude: bool = False
    show_fixes: bool = False
    exit_non_zero_on_fix: bool = False
    include_generated: bool = False
    no_project: bool = False
    color: str = "auto"
    quiet: bool = False
    verbose: bool = False

    @property
    def human(self) -> bool:
        return self.format in human.HUMAN_FORMATS

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CheckRequest:
        values = {f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)}
        plain, outputs = _outputs(args.output_file or [])
        for key in ("per_file_ignores", "extend_per_file_ignores"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(
            **{**values, "paths": tuple(args.paths), "output_file": plain, "outputs": outputs}
        )


def _outputs(values: list[str]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """``-o FILE`` (the report, instead of stdout) and ``-o FORMAT:FILE`` (one more report)."""
    plain: str | None = None
    more: list[tuple[str, str]] = []
    for value in values:
        fmt, sep, file = value.partition(":")
        if sep and fmt in FORMATS:
            if not file:
                raise KvlintError(f"-o {value}: no file after '{fmt}:'")
            more.append((fmt, file))
        elif plain is not None:
            raise KvlintError(
                f"-o {plain} and -o {value}: one report replaces stdout; name the format of the "
                f"others (-o FORMAT:FILE, FORMAT one of {', '.join(FORMATS)})"
            )
        else:
            plain = value
    return plain, tuple(more)


def _codes(option: str | None, flag: str) -> tuple[str, ...] | None:
    if option is None:
        return None
    return tuple(config.validate_codes([c for c in option.split(",") if c.strip()], flag))


def _start(request: CheckRequest) -> Path:
    """Where the configuration search starts: the first path named, else the current folder."""
    first = next((p for p in request.paths if p != "-"), None)
    start = Path(first) if first else Path.cwd()
    start = start if start.is_dir() else start.parent
    return start if start.exists() else Path.cwd()


def _project(request: CheckRequest, cache_dir: Path | None) -> ProjectOptions:
    """How files see their project: imports resolve below each file's project root (the
    nearest pyproject.toml, setup.cfg, setup.py or .git); for files under no marker, below the
    common folder of the paths named (a package is named from the folder that holds it)."""
    from kvlint.lint.project import ProjectOptions

    if request.no_project:
        return ProjectOptions(enabled=False)
    named = [Path(p).absolute() for p in request.paths if p != "-"] or [Path.cwd()]
    try:
        common = Path(os.path.commonpath([str(p) for p in named]))
    except ValueError:  # different drives
        return ProjectOptions(cache_dir=cache_dir)
    if not common.is_dir():
        common = common.parent
    while (common / "__init__.py").is_file() and common.parent != common:
        common = common.parent
    return ProjectOptions(cache_dir=cache_dir, fallback_root=common)


def _per_file_ignores(values: tuple[str, ...], flag: str) -> dict[str, tuple[str, ...]]:
    """``PATTERN:CODE[,CODE...]`` items (``a:KV1,b:KV2`` or ``tests/*:KV1,KV3``)."""
    table: dict[str, list[str]] = {}
    pattern: str | None = None
    for value in values:
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            if ":" in item:
                pattern, _, code = item.rpartition(":")
                config.validate_pattern(pattern, flag)
            elif pattern is None:
                raise KvlintError(f"{flag} {value!r}: expected PATTERN:CODES (e.g. 'tests/*:KV1')")
            else:
                code = item
            table.setdefault(pattern, []).extend(config.validate_codes([code], flag))
    return {p: tuple(codes) for p, codes in table.items()}


def _patterns(option: str, flag: str) -> tuple[str, ...]:
    patterns = tuple(p.strip() for p in option.split(",") if p.strip())
    for pattern in patterns:
        config.validate_pattern(pattern, flag)
    return patterns


def settings_from(request: CheckRequest) -> config.Settings:
    if request.isolated and request.config:
        raise KvlintError("--isolated ignores configuration files: drop --config or --isolated")
    settings = (
        config.Settings() if request.isolated else config.load(request.config, _start(request))
    )
    _override(settings, request)
    if request.jobs is not None and request.jobs < 1:
        raise KvlintError("--jobs must be at least 1")
    if request.statistics and request.format not in STATISTICS_FORMATS:
        raise KvlintError(f"--statistics prints text or json, not --output-format {request.format}")
    return settings


def _override(settings: config.Settings, request: CheckRequest) -> None:
    """The command line's options over a configuration's settings (every configuration's, in
    a monorepo)."""
    if request.exclude is not None:
        settings.exclude = _patterns(request.exclude, "--exclude")
    if request.extend_exclude is not None:
        extra = _patterns(request.extend_exclude, "--extend-exclude")
        settings.extend_exclude = (*settings.extend_exclude, *extra)
    if request.per_file_ignores is not None:
        settings.per_file_ignores = _per_file_ignores(
            request.per_file_ignores, "--per-file-ignores"
        )
    if request.extend_per_file_ignores is not None:
        extra_ignores = _per_file_ignores(
            request.extend_per_file_ignores, "--extend-per-file-ignores"
        )
        merged = dict(settings.per_file_ignores)
        for pattern, codes in extra_ignores.items():
            merged[pattern] = (*merged.get(pattern, ()), *codes)
        settings.per_file_ignores = merged
    for attr, flag in (
        ("select", "--select"),
        ("extend_select", "--extend-select"),
        ("ignore", "--ignore"),
    ):
        codes = _codes(getattr(request, attr), flag)
        if codes is not None:
            setattr(settings, attr, codes)
    if request.include_generated:
        settings.include_generated = True
    if request.cache_dir:
        settings.cache_dir = str(Path(request.cache_dir).absolute())


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
                _override(group, self.request)
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
        shown = sorted(
            t.display for t in discover(paths, settings, force_exclude=request.force_exclude)
        )
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
                print(f"kvlint: skipped {line}", file=sys.stderr)
        if not outcome.files_seen:
            nothing = "no Python or configuration file found"
            if skipped:
                count = len(skipped)
                nothing += (
                    f" ({count} path{'s' if count != 1 else ''} excluded; --verbose lists them)"
                )
            print(f"kvlint: {nothing}", file=sys.stderr)

    for note in outcome.notes:
        print(f"kvlint: {note}", file=sys.stderr)
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
            f"{outcome.files_parsed} parsed, {outcome.files_cached} from cache, "
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
                f"{finding.label}: KV000 {finding.message}",
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
    from kvlint.lint.sources.python import decode

    try:
        data = Path(path).read_bytes() if data is None else data
        if cell:
            from kvlint.notebook import load

            found = load(data).cell(cell)
            return found.lines if found is not None else None
        return human.source_lines(decode(data).text)
    except (OSError, ValueError):
        return None
