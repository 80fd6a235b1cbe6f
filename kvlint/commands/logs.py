"""``kvlint logs``: why did Key Vault answer 401, 403 or 429? Read the AuditEvent log and say.

Argument parsing, printing and exit codes only; the work is :mod:`kvlint.logs.service`.
Reading files never imports an Azure SDK; ``--workspace`` loads azure-monitor-query.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from kvlint import extras
from kvlint.commands import options
from kvlint.commands.options import add_format
from kvlint.errors import EXIT_FINDINGS, EXIT_OK, KvlintError
from kvlint.logs.analyze import Settings
from kvlint.logs.service import LogsReport, LogsRequest
from kvlint.report import logs as output

FAIL_ON = ("info", "warning", "error", "never")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_WORKSPACE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help='exported logs: PT1H.json (JSON lines or {"records": [...]}), Log Analytics '
        "AzureDiagnostics / AZKVAuditLogs exports (JSON or CSV), directories of them, '-' for stdin",
    )
    live = parser.add_argument_group("live, read-only: a Log Analytics workspace")
    live.add_argument("--workspace", metavar="ID", help="the workspace (customer) id, a GUID")
    live.add_argument(
        "--since",
        default="24h",
        metavar="DURATION",
        help="how far back: 90m, 24h, 7d (default 24h)",
    )
    live.add_argument("--vault", metavar="NAME", help="only this vault (files and workspace)")
    live.add_argument(
        "--cloud",
        choices=("public", "china", "usgov"),
        default="public",
        help="the Azure cloud: its sign-in, Log Analytics and Resource Manager endpoints "
        "(default: public)",
    )
    live.add_argument(
        "--endpoint",
        metavar="URL",
        help="the Log Analytics query endpoint, when not the cloud's own",
    )
    check = parser.add_argument_group("checks")
    check.add_argument(
        "--input",
        metavar="VAULTS_JSON",
        help="exported vaults (as for `kvlint audit --input`): each refusal is checked against "
        "today's configuration (still refused / already fixed)",
    )
    check.add_argument(
        "--check-config",
        action="store_true",
        help="read each vault a firewall or permission finding names through Azure Resource "
        "Manager (read-only, signed in like `kvlint audit`) and check the finding against it",
    )
    check.add_argument(
        "--propagation-minutes",
        type=float,
        default=15.0,
        metavar="MIN",
        help="a 403 that succeeds within this is propagation delay (default 15)",
    )
    check.add_argument(
        "--rereads-per-hour",
        type=int,
        default=60,
        metavar="N",
        help="one caller reading one secret more often than this in an hour is KVL403 (default 60)",
    )
    out = parser.add_argument_group("output")
    add_format(out, output.FORMATS, "table")
    out.add_argument(
        "--output-file", "-o", metavar="PATH", help="write the report here, not stdout"
    )
    out.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="warning",
        help="exit 1 when a finding is at least this severe (default: warning)",
    )


def duration(text: str) -> float:
    match = _DURATION.match(text.strip().lower())
    if not match or float(match.group(1)) <= 0:
        raise KvlintError(f"--since {text!r} is not a duration like 90m, 24h or 7d")
    return float(match.group(1)) * _UNITS[match.group(2)]


def request_of(args: argparse.Namespace) -> LogsRequest:
    if bool(args.paths) == bool(args.workspace):
        raise KvlintError(
            "give log files (PATH ..., '-' for stdin) or --workspace ID, not "
            + ("both" if args.paths else "neither")
        )
    if args.workspace and not _WORKSPACE.match(args.workspace):
        raise KvlintError(f"--workspace {args.workspace!r} is not a workspace id (a GUID)")
    if args.input == "-" and "-" in args.paths:
        raise KvlintError("the logs and --input cannot both read stdin")
    if args.input and args.check_config:
        raise KvlintError("give --input VAULTS_JSON or --check-config, not both")
    if not args.propagation_minutes > 0 or args.rereads_per_hour < 1:
        raise KvlintError("--propagation-minutes and --rereads-per-hour must be positive")
    return LogsRequest(
        paths=tuple(args.paths),
        workspace=args.workspace,
        vault=args.vault,
        since_seconds=duration(args.since),
        vaults_file=args.input,
        check_config=args.check_config,
        settings=Settings(
            propagation_minutes=args.propagation_minutes, rereads_per_hour=args.rereads_per_hour
        ),
    )


class _Progress:
    """One status line on stderr while reading, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.stream = sys.stderr
        self.enabled = self.stream.isatty()
        self.shown = False

    def show(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\x1b[Kkvlint logs: {text}")
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _progress() -> tuple[_Progress, Any]:
    bar = _Progress()

    def show(intake: Any, name: str) -> None:
        bar.show(f"reading {Path(name).name}: {intake.records:,} records")

    return bar, show


def _client(args: argparse.Namespace) -> Any:
    from kvlint.logs import live

    return live.client(args.endpoint, args.cloud)


def _empty_input(report: LogsReport) -> None:
    if report.records or not report.intake.bad:
        return
    first = report.intake.problems[0]
    raise KvlintError(
        f"no AuditEvent record could be read from {report.source} ({report.intake.bad:,} "
        f"skipped; first: {first.source}:{first.line}: {first.reason})"
    )


def run(args: argparse.Namespace, client: Any = None, azure: Any = None) -> int:
    """``client``: a LogsQueryClient, ``azure``: ARM access (tests point both at a stub)."""
    from kvlint.logs import service

    request = request_of(args)
    if request.workspace and client is None:
        extras.require("azure", "kvlint logs --workspace")
    if request.check_config and azure is None:
        extras.require("azure", "kvlint logs --check-config")
        azure = options.arm_for_cloud(args.cloud)
    bar, show = _progress()
    try:
        if request.workspace:
            report = service.from_workspace(
                request, client or _client(args), azure, progress=bar.show
            )
        else:
            report = service.from_files(request, progress=show, azure=azure)
    finally:
        bar.clear()
    _empty_input(report)
    to_terminal = not args.output_file and sys.stdout.isatty()
    width = shutil.get_terminal_size((120, 24)).columns if to_terminal else 120
    text = output.render(report, args.format, width)
    if args.output_file:
        try:
            Path(args.output_file).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise KvlintError(f"cannot write {args.output_file}: {exc}") from None
    else:
        sys.stdout.write(text)
    if args.format in ("json", "sarif", "markdown") or args.output_file:
        print(output.summary(report), file=sys.stderr)
    if args.fail_on == "never":
        return EXIT_OK
    threshold = output.RANK[args.fail_on]
    failing = any(output.RANK[f.severity] >= threshold for f in report.findings)
    return EXIT_FINDINGS if failing else EXIT_OK
