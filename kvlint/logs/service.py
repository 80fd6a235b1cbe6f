"""``kvlint logs`` as a function: a typed request in, a report out (no argparse, no printing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from kvlint.logs import crosscheck, refusals, sources, throttling
from kvlint.logs.analyze import Analysis, Settings
from kvlint.logs.findings import LogFinding


@dataclass(frozen=True)
class LogsRequest:
    paths: tuple[str, ...] = ()  # files, directories, "-" (stdin)
    workspace: str | None = None  # Log Analytics workspace id (live)
    vault: str | None = None  # only this vault (both paths)
    since_seconds: float = 86400.0  # live: how far back
    vaults_file: str | None = None  # --input vaults.json
    check_config: bool = False  # read the vaults' configuration today through ARM
    settings: Settings = field(default_factory=Settings)


@dataclass
class LogsReport:
    findings: list[LogFinding]
    intake: sources.Intake
    records: int
    first: float | None
    last: float | None
    statuses: dict[int, int]
    challenges: int  # unauthenticated 401s that are the SDKs' normal challenge
    unclassified: int  # refusals no text or flag explains
    source: str
    vaults_checked: int | None = None  # with --input: vaults matched in the export
    config_errors: list[str] = field(default_factory=list)


def findings(analysis: Analysis) -> list[LogFinding]:
    """Every finding of an analysis, ordered by vault and code."""
    analysis.finish_reads()
    found = refusals.findings_of(analysis) + throttling.findings_of(analysis)
    return sorted(found, key=lambda f: (f.vault, f.code, f.message))


def _report(
    analysis: Analysis, intake: sources.Intake, source: str, vault: str | None
) -> LogsReport:
    found = findings(analysis)
    if vault:
        found = [f for f in found if f.vault == vault.lower()]
    return LogsReport(
        findings=found,
        intake=intake,
        records=analysis.records,
        first=analysis.first if analysis.records else None,
        last=analysis.last if analysis.records else None,
        statuses=dict(sorted(analysis.statuses.items())),
        challenges=refusals.challenge_count(analysis),
        unclassified=sum(analysis.unclassified.values()),
        source=source,
    )


def cross_check(report: LogsReport, vaults_file: str, stdin: TextIO | None = None) -> None:
    from kvlint.audit.files import file_vaults

    errors: list[Any] = []
    vaults = file_vaults(vaults_file, tenant=None, errors=errors, stdin=stdin)
    report.vaults_checked = crosscheck.annotate(report.findings, vaults)
    report.config_errors = [f"{e.scope}: {e.message}" for e in errors]


def cross_check_live(report: LogsReport, azure: Any) -> None:
    """Read each vault a configuration finding names through ARM (read-only), then check."""
    from kvlint.audit.live import Progress, arm_vaults, role_checks
    from kvlint.audit.model import id_parts
    from kvlint.audit.reach import Principal

    targets = set()
    for finding in report.findings:
        if finding.code in crosscheck.CODES and finding.vault_id:
            subscription, group = id_parts(finding.vault_id)
            if subscription and group:
                targets.add((subscription, group, finding.vault))
    errors: list[Any] = []
    vaults = []
    if targets:
        azure.sign_in()
    for subscription, group, name in sorted(targets):
        vaults += arm_vaults(
            azure,
            [subscription],
            resource_group=group,
            vault_name=name,
            tenant=None,
            errors=errors,
            progress=Progress(enabled=False),
        )
    roles = {}
    for vault_id, oid in sorted(crosscheck.principals(report.findings, vaults)):
        vault = next(v for v in vaults if v.id == vault_id)
        evidence = role_checks(azure, [vault], Principal(oid), Progress(enabled=False))
        roles[(vault_id, oid)] = evidence.get(vault_id)
    report.vaults_checked = crosscheck.annotate(report.findings, vaults, roles)
    report.config_errors = [f"{e.scope}: {e.message}" for e in errors]


def from_files(
    request: LogsRequest,
    *,
    stdin: TextIO | None = None,
    progress: Callable[[sources.Intake, str], None] | None = None,
    azure: Any = None,
) -> LogsReport:
    analysis = Analysis(request.settings)
    intake = sources.Intake()
    only = request.vault.lower() if request.vault else None
    for record in sources.read(list(request.paths), intake, stdin=stdin, progress=progress):
        if only is None or record.vault == only:
            analysis.add(record)
    source = ", ".join("<stdin>" if p == "-" else p for p in request.paths)
    report = _report(analysis, intake, source, only)
    if request.vaults_file:
        cross_check(report, request.vaults_file, stdin)
    elif request.check_config and azure is not None:
        cross_check_live(report, azure)
    return report


def from_workspace(request: LogsRequest, client: Any, azure: Any = None) -> LogsReport:
    from kvlint.logs import live

    analysis = Analysis(request.settings)
    intake = sources.Intake()
    live.read(
        client,
        request.workspace or "",
        analysis,
        intake,
        vault=request.vault,
        since_seconds=request.since_seconds,
    )
    report = _report(analysis, intake, f"workspace {request.workspace}", request.vault)
    if request.vaults_file:
        cross_check(report, request.vaults_file)
    elif request.check_config and azure is not None:
        cross_check_live(report, azure)
    return report
