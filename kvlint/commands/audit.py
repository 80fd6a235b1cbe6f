"""``kvlint audit``: the command line. Parses arguments into an
:class:`~kvlint.audit.request.AuditRequest`, runs :func:`kvlint.audit.engine.audit`, writes the
report and sets the exit code (0 nothing, 1 findings or read errors, 2 usage/input error)."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from kvlint import extras
from kvlint.audit import config, engine
from kvlint.audit.arm import Azure
from kvlint.audit.model import AuditResult
from kvlint.audit.request import CLOUDS, AuditRequest
from kvlint.commands.options import add_format
from kvlint.errors import EXIT_FINDINGS, EXIT_OK, KvlintError
from kvlint.redact import mask
from kvlint.report import audit_json, audit_markdown, audit_sarif, audit_table
from kvlint.report.audit_summary import RANK, summary

FORMATS = ("table", "json", "markdown", "sarif")


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    source = parser.add_argument_group("where the vaults come from (choose one)")
    source.add_argument(
        "--subscription",
        action="append",
        default=[],
        metavar="SUB",
        help="a subscription id (repeatable); reads vaults through ARM",
    )
    source.add_argument(
        "--all-subscriptions",
        action="store_true",
        help="every subscription you can read, through Azure Resource Graph",
    )
    source.add_argument(
        "--management-group",
        action="append",
        default=[],
        metavar="MG",
        help="every subscription under a management group (Resource Graph)",
    )
    source.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="FILE",
        help='exported JSON (a vault, a list, {"value": [...]}, Resource Graph '
        "rows), ARM templates, Terraform plans, .tf files or a Terraform folder; repeatable; "
        "'-' reads stdin; no Azure access",
    )
    source.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="more exported files or infrastructure code, as with --input (what the "
        "pre-commit hook passes)",
    )
    source.add_argument(
        "--iac-only",
        action="store_true",
        help="read only ARM templates, compiled Bicep, Terraform plans and .tf files among the "
        "inputs; skip any other JSON silently (the kvlint-iac pre-commit hook)",
    )
    source.add_argument(
        "--parameters",
        metavar="FILE",
        help="an ARM parameters file (azuredeploy.parameters.json): its values replace the "
        "parameter defaults of the templates given",
    )
    source.add_argument(
        "--force-exclude",
        action="store_true",
        help="skip named files that [tool.kvlint] exclude / extend-exclude match (pre-commit "
        "names every staged file)",
    )
    narrow = parser.add_argument_group("narrowing and signing in")
    narrow.add_argument("--resource-group", metavar="RG", help="only this resource group")
    narrow.add_argument("--vault", metavar="NAME", help="only this vault")
    narrow.add_argument(
        "--tenant",
        metavar="TENANT",
        help="sign in to this tenant; vaults trusting another tenant are KVA102",
    )
    narrow.add_argument(
        "--cloud", choices=CLOUDS, default="public", help="the Azure cloud (default: public)"
    )
    narrow.add_argument(
        "--no-diagnostics",
        action="store_true",
        help="do not read diagnostic settings (KVA404 is then not reported)",
    )
    narrow.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="give up on one ARM request after this long, retries and waits included "
        "(default: 300); it is then reported under errors",
    )
    who = parser.add_argument_group("reachability: would this caller get in? (KVA5xx)")
    who.add_argument("--principal", metavar="OBJECT_ID", help="the caller's Entra object id")
    who.add_argument(
        "--token",
        metavar="JWT|@FILE",
        help="instead of --principal: the caller's access token ('-' reads stdin); its oid is "
        "the principal, its tenant, audience and lifetime are checked against each vault "
        "(decoded offline, never printed)",
    )
    who.add_argument(
        "--ip",
        metavar="ADDRESS",
        help="the caller's public IPv4 address; alone, with infrastructure code, the address "
        "its runner deploys from (KVA701)",
    )
    who.add_argument(
        "--permission",
        action="append",
        metavar="KIND/NAME",
        help="the permission it needs (repeatable; default secrets/get)",
    )
    who.add_argument(
        "--subnet",
        metavar="SUBNET_ID",
        help="the caller's subnet resource id, for virtual-network rules",
    )
    who.add_argument(
        "--trusted-service", action="store_true", help="the caller is a trusted Microsoft service"
    )
    who.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="OBJECT_ID",
        help="a group the caller is a member of (repeatable): its role assignments, access "
        "policies and deny assignments count (live, ARM resolves role assignment membership)",
    )
    who.add_argument(
        "--item",
        metavar="NAME",
        help="the secret, key or certificate the caller reads, for item-scoped role assignments",
    )
    out = parser.add_argument_group("output")
    add_format(out, FORMATS, "table")
    out.add_argument(
        "--output-file", "-o", metavar="PATH", help="write the report here, not stdout"
    )
    out.add_argument(
        "--severity",
        choices=config.FAIL_ON,
        help="report only findings at least this severe (the exit code still follows "
        "--fail-on over every finding)",
    )
    out.add_argument(
        "--fail-on",
        choices=config.FAIL_ON,
        help="exit 1 when a finding is at least this severe (default: warning)",
    )


def _not_excluded(paths: list[str]) -> list[str]:
    """The paths no exclude pattern of the project's [tool.kvlint] matches (``-`` always kept)."""
    from kvlint import config as kvlint_config

    settings = kvlint_config.load(None, Path.cwd())
    root = settings.root.resolve()
    kept = []
    for raw in paths:
        if raw == "-":
            kept.append(raw)
            continue
        try:
            relpath = Path(raw).resolve().relative_to(root).as_posix()
        except ValueError:
            relpath = Path(raw).as_posix()
        if settings.excluded_by(relpath) is None:
            kept.append(raw)
    return kept


def request_from(args: argparse.Namespace) -> AuditRequest:
    """The typed request the options describe."""
    inputs = [*args.input, *args.files]
    if args.force_exclude:
        inputs = _not_excluded(inputs)
    return AuditRequest(
        subscriptions=tuple(args.subscription),
        all_subscriptions=args.all_subscriptions,
        management_groups=tuple(args.management_group),
        inputs=tuple(inputs),
        parameters=args.parameters,
        iac_only=args.iac_only,
        resource_group=args.resource_group,
        vault=args.vault,
        tenant=args.tenant,
        cloud=args.cloud,
        diagnostics=not args.no_diagnostics,
        timeout=args.timeout,
        principal=args.principal,
        token=args.token,
        ip=args.ip,
        permissions=tuple(args.permission or ()),
        subnet=args.subnet,
        trusted_service=args.trusted_service,
        groups=tuple(args.group),
        item=args.item,
    )


def render(result: AuditResult, fmt: str, to_terminal: bool) -> str:
    if fmt == "json":
        return audit_json.render(result)
    if fmt == "sarif":
        return audit_sarif.render(result)
    if fmt == "markdown":
        return audit_markdown.render(result)
    width = shutil.get_terminal_size((120, 24)).columns if to_terminal else 120
    return audit_table.render(result, width)


def run(
    args: argparse.Namespace,
    azure: Azure | None = None,
    settings: config.AuditConfig | None = None,
) -> int:
    settings = settings or config.load()
    request = request_from(args)
    if azure is None and not request.inputs and not request.iac_only:
        extras.require("azure", "kvlint audit of live vaults (without --input)")
    result = engine.audit(request, azure, settings)
    everything = result.findings
    if args.severity:
        floor = RANK[args.severity]
        shown = [f for f in everything if RANK[f.severity] >= floor]
        result = replace(result, findings=shown, hidden=len(everything) - len(shown))
    to_terminal = not args.output_file and sys.stdout.isatty()
    text = render(result, args.format, to_terminal)
    if args.output_file:
        try:
            Path(args.output_file).write_text(mask(text), encoding="utf-8")
        except OSError as exc:
            raise KvlintError(f"cannot write {args.output_file}: {exc}") from None
    else:
        sys.stdout.write(text)
    if args.format in ("json", "sarif") or args.output_file:
        print(summary(result), file=sys.stderr)
    threshold = RANK[args.fail_on or settings.fail_on or "warning"]
    failing = any(RANK[f.severity] >= threshold for f in everything)
    return EXIT_FINDINGS if failing or result.errors else EXIT_OK
