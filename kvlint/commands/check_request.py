"""``kvlint check``'s options and the typed request they make: :func:`add_arguments`,
:class:`CheckRequest`, and :func:`settings_from` (the configuration with the command line's
options on top; :func:`override` applies them to any configuration, each one of a monorepo).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from pathlib import Path

from kvlint import config
from kvlint.commands.options import add_format
from kvlint.errors import KvlintError
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
    parser.add_argument(
        "--slice",
        choices=("auto", "always", "never"),
        default="auto",
        help="which files are parsed as their Key Vault slice, not whole: auto (large files "
        "where Key Vault is sparse), always, never (the findings are the same)",
    )
    parser.add_argument("--no-slice", action="store_true", help="the same as --slice never")
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
    no_slice: bool = False
    slice: str = "auto"
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
    override(settings, request)
    if request.jobs is not None and request.jobs < 1:
        raise KvlintError("--jobs must be at least 1")
    if request.statistics and request.format not in STATISTICS_FORMATS:
        raise KvlintError(f"--statistics prints text or json, not --output-format {request.format}")
    return settings


def override(settings: config.Settings, request: CheckRequest) -> None:
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
        for pattern, added in extra_ignores.items():
            merged[pattern] = (*merged.get(pattern, ()), *added)
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
