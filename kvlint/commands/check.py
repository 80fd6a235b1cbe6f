"""``kvlint check``: options, then discovery → lint → fix → report.

:func:`add_arguments` declares the options; :func:`run` turns them into a typed
:class:`CheckRequest`, and :func:`execute` runs it (the runner in :mod:`kvlint.lint.runner`
does the work) and prints the report; it returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

from kvlint import config
from kvlint.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, KvlintError
from kvlint.redact import mask
from kvlint.report import findings as report
from kvlint.report import text as human

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
    parser.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=FORMATS,
        default="text",
        help="report format (default: %(default)s, the same as full: each finding with its "
        "source line and help; concise: one line per finding); --format is an alias",
    )
    parser.add_argument(
        "--color",
        choices=human.COLOR_CHOICES,
        default="auto",
        help="colour the text report: auto (on a terminal, unless NO_COLOR; FORCE_COLOR forces "
        "it), always or never",
    )
    parser.add_argument("--output-file", "-o", metavar="FILE", help="write the report here")
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
    exit_zero: bool = False
    statistics: bool = False
    select: str | None = None
    extend_select: str | None = None
    ignore: str | None = None
    config: str | None = None
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
    color: str = "auto"

    @property
    def human(self) -> bool:
        return self.format in human.HUMAN_FORMATS

    quiet: bool = False
    verbose: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CheckRequest:
        values = {f.name: getattr(args, f.name) for f in fields(cls)}
        return cls(**{**values, "paths": tuple(args.paths)})


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


def settings_from(request: CheckRequest) -> config.Settings:
    settings = config.load(request.config, _start(request))
    for attr, flag in (
        ("select", "--select"),
        ("extend_select", "--extend-select"),
        ("ignore", "--ignore"),
    ):
        codes = _codes(getattr(request, attr), flag)
        if codes is not None:
            setattr(settings, attr, codes)
    if request.cache_dir:
        settings.cache_dir = str(Path(request.cache_dir).absolute())
    if request.jobs is not None and request.jobs < 1:
        raise KvlintError("--jobs must be at least 1")
    if request.statistics and request.format not in STATISTICS_FORMATS:
        raise KvlintError(f"--statistics prints text or json, not --output-format {request.format}")
    return settings


def run(args: argparse.Namespace) -> int:
    return execute(CheckRequest.from_args(args))


def execute(request: CheckRequest) -> int:
    from kvlint.lint.runner import Runner, discover

    settings = settings_from(request)
    paths = list(request.paths) or ["."]
    started = time.perf_counter()
    cache = None
    if not request.no_cache:
        from kvlint.lint.cache import ResultCache

        directory = config.project_root(settings, _start(request)) / (
            settings.cache_dir or ".kvlint_cache"
        )
        cache = ResultCache(directory, settings.fingerprint())
    runner = Runner(
        settings,
        fix=request.fix,
        diff=request.diff,
        unsafe_fixes=request.unsafe_fixes,
        cache=cache,
        jobs=request.jobs,
        add_noqa=request.add_noqa,
    )
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
        targets = list(
            discover(paths, settings, force_exclude=request.force_exclude, skipped=skipped)
        )
        if request.verbose:
            for line in skipped:
                print(f"kvlint: skipped {line}", file=sys.stderr)
        if not targets:
            nothing = "no Python or configuration file found"
            if skipped:
                count = len(skipped)
                nothing += (
                    f" ({count} path{'s' if count != 1 else ''} excluded; --verbose lists them)"
                )
            print(f"kvlint: {nothing}", file=sys.stderr)
        outcome = runner.run(targets)

    for note in outcome.notes:
        print(f"kvlint: {note}", file=sys.stderr)
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
            f"prefilter, {outcome.files_parsed} parsed, {outcome.files_cached} from cache, "
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
        unreadable = [f for f in outcome.findings if f.code == "KV000"]
        for finding in unreadable:  # a file kvlint could not check must not look clean
            print(
                f"{finding.path}:{finding.line}:{finding.column}: KV000 {finding.message}",
                file=sys.stderr,
            )
        if request.human:
            changed = outcome.diffs or unreadable
            return EXIT_FINDINGS if changed and not request.exit_zero else EXIT_OK

    severities = {code: settings.severity_of(code) for code in runner.linter.enabled}
    if request.human:
        color = not request.output_file and human.use_color(request.color, out)
        text = _human(request, outcome.findings, fixed_stdin or stdin_data, color)
    else:
        text = report.render(request.format, outcome.findings, runner.linter.enabled, severities)
    if request.statistics:
        text = report.statistics(outcome.findings, request.format)
    if request.output_file:
        try:
            Path(request.output_file).write_text(mask(text), encoding="utf-8")
        except OSError as exc:
            raise KvlintError(f"cannot write {request.output_file}: {exc.strerror}") from None
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


def _human(request: CheckRequest, findings: list, stdin: bytes | None, color: bool) -> str:
    """The text report: ``concise`` (one line each) or ``full`` (with source lines)."""
    style = human.Style(color)
    if request.format == "concise":
        return human.concise(findings, style)
    cache: dict[str, list[str] | None] = {}

    def lines_of(path: str) -> list[str] | None:
        if path not in cache:
            cache[path] = _read_lines(
                path, stdin if path == (request.stdin_filename or "-") else None
            )
        return cache[path]

    return human.full(findings, lines_of, style)


def _read_lines(path: str, data: bytes | None) -> list[str] | None:
    """A reported file's lines (decoded as the linter decodes it), or None if unreadable."""
    from kvlint.lint.engine import decode

    try:
        data = Path(path).read_bytes() if data is None else data
        return human.source_lines(decode(data).text)
    except (OSError, ValueError):
        return None
