"""``kvlint audit``: read vaults, run the KVA checks, answer "would this caller get in?"."""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from kvlint import keyvault
from kvlint import token as kvtoken
from kvlint.audit import checks, config, output, reach, sources
from kvlint.audit.model import AuditResult, ReadError, Vault
from kvlint.errors import EXIT_FINDINGS, EXIT_OK, KvlintError
from kvlint.redact import mask

SUBSCRIPTION = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", re.I)
CLOUDS = ("public", "china", "usgov")


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
        metavar="FILE",
        help='exported JSON (a vault, a list, {"value": [...]}, Resource Graph '
        "rows); '-' reads stdin; no Azure access",
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
    who.add_argument("--ip", metavar="ADDRESS", help="the caller's public IPv4 address")
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
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=("table", "json", "markdown", "sarif"), default="table")
    out.add_argument("--output-file", metavar="PATH", help="write the report here, not stdout")
    out.add_argument(
        "--fail-on",
        choices=config.FAIL_ON,
        help="exit 1 when a finding is at least this severe (default: warning)",
    )


def _validate(args: argparse.Namespace) -> None:
    chosen = [
        name
        for name, on in (
            ("--subscription", bool(args.subscription)),
            ("--all-subscriptions", args.all_subscriptions),
            ("--management-group", bool(args.management_group)),
            ("--input", args.input is not None),
        )
        if on
    ]
    if len(chosen) != 1:
        raise KvlintError(
            "choose one source: --subscription SUB, --all-subscriptions, "
            "--management-group MG or --input FILE"
            + (f" (got {', '.join(chosen)})" if chosen else "")
        )
    for sub in args.subscription:
        if not SUBSCRIPTION.match(sub):
            raise KvlintError(f"--subscription {sub!r} is not a subscription id (a GUID)")
    if not args.timeout > 0:
        raise KvlintError("--timeout must be a positive number of seconds")
    if args.principal and args.token:
        raise KvlintError("give --principal or --token, not both: they name the same caller")
    if args.token == "-" and args.input == "-":
        raise KvlintError("--token - and --input - cannot both read stdin; use @FILE for one")
    who = "--token" if args.token else "--principal"
    if bool(args.principal or args.token) != bool(args.ip):
        raise KvlintError(f"{who} and --ip go together: who calls, and from where")
    if (args.permission or args.subnet or args.trusted_service) and not args.ip:
        raise KvlintError(
            "--permission, --subnet and --trusted-service need --principal and --ip "
            "(or --token and --ip)"
        )


def _azure(args: argparse.Namespace) -> sources.Azure:
    cloud = keyvault.CLOUDS_BY_NAME[args.cloud]
    try:
        credential = sources.default_credential(cloud.authority_host, args.tenant)
    except ValueError as exc:  # e.g. AZURE_CLIENT_ID set but empty
        raise KvlintError(f"cannot set up the Azure credential: {exc}") from None
    return sources.Azure(credential, arm_endpoint=cloud.arm_endpoint, timeout=args.timeout)


def _read(
    args: argparse.Namespace,
    azure: sources.Azure | None,
    errors: list[ReadError],
    progress: sources.Progress,
) -> tuple[list[Vault], sources.Azure | None]:
    tenant = args.tenant.lower() if args.tenant else None
    if args.input is not None:
        return sources.file_vaults(args.input, tenant=tenant, errors=errors), None
    azure = azure or _azure(args)
    azure.sign_in()
    if args.subscription:
        vaults = sources.arm_vaults(
            azure,
            list(dict.fromkeys(args.subscription)),
            resource_group=args.resource_group,
            vault_name=args.vault,
            tenant=tenant,
            errors=errors,
            progress=progress,
        )
    else:
        vaults = sources.graph_vaults(
            azure,
            all_subscriptions=args.all_subscriptions,
            management_groups=args.management_group,
            errors=errors,
            progress=progress,
        )
    return vaults, azure


def _token_principal(token: kvtoken.Token) -> reach.Principal:
    """The caller a token stands for: its object id, in its tenant."""
    oid, tid = token.claims.get("oid"), token.claims.get("tid")
    if not isinstance(oid, str) or not isinstance(tid, str):
        raise KvlintError(
            f"the token ({token.redacted}) has no oid and tid claims, so it names no Entra "
            "principal: is it an access token from Microsoft Entra ID?"
        )
    return reach.principal(oid, tid)


def _vault_url(vault: Vault, cloud: keyvault.Cloud) -> str:
    """Where a caller sends its token: vaultUri when it is a Key Vault URL, else name + suffix."""
    try:
        return kvtoken.vault_target(vault.uri).host
    except KvlintError:
        return vault.name + cloud.vault_suffix


def _narrow(vaults: list[Vault], args: argparse.Namespace) -> list[Vault]:
    rg = (args.resource_group or "").lower()
    name = (args.vault or "").lower()
    return [
        v
        for v in vaults
        if (not rg or v.resource_group.lower() == rg) and (not name or v.name.lower() == name)
    ]


def audit(
    args: argparse.Namespace,
    azure: sources.Azure | None = None,
    settings: config.AuditConfig | None = None,
    progress: sources.Progress | None = None,
) -> tuple[AuditResult, output.Reachability | None]:
    """Read, check and judge; ``azure`` and ``settings`` are injectable (tests use a stub ARM)."""
    _validate(args)
    settings = settings or config.load()
    progress = progress or sources.Progress()
    caller = None
    token = kvtoken.load(args.token) if args.token else None
    if args.ip:
        caller = reach.caller(
            _token_principal(token) if token else reach.principal(args.principal),
            args.ip,
            args.permission,
            args.subnet,
            args.trusted_service,
        )
    result = AuditResult()
    try:
        vaults, live = _read(args, azure, result.errors, progress)
        vaults = _narrow(list({v.id.lower(): v for v in vaults}.values()), args)  # pages may repeat
        if live and not args.no_diagnostics:
            vaults = sources.with_diagnostics(live, vaults, result.errors, progress)
        roles = {}
        if live and caller:
            roles = sources.role_checks(live, vaults, caller.principal, progress)
    finally:
        progress.clear()
    found = []
    verdicts = None
    now = datetime.now(timezone.utc)
    cloud = keyvault.CLOUDS_BY_NAME[args.cloud]
    if caller:
        verdicts = output.Reachability(
            f"{caller.principal.object_id} from {caller.address} ({caller.permission_text})"
        )
    for vault in vaults:
        found += checks.run(vault, settings.thresholds)
        if caller and verdicts:
            refused = reach.verdict(vault, caller, roles.get(vault.id))
            # the tenant is part of the verdict (KVT105); audience and lifetime are the token's
            rejected = [
                checks.finding(vault, item.code, item.message)
                for item in (
                    kvtoken.diagnose(token.claims, vault_url=_vault_url(vault, cloud), now=now)
                    if token
                    else []
                )
            ]
            found += rejected + ([refused] if refused else [])
            if not refused and not rejected:
                verdicts.allowed.append(vault.name)
    for item in found:
        if item.code in settings.ignore:
            continue
        waiver = settings.waiver_for(item)
        if waiver:
            result.waived.append((item, waiver.reason))
        else:
            result.findings.append(item)
    result.vaults_audited = len(vaults)
    result.subscriptions = {v.subscription.lower() for v in vaults if v.subscription}
    return result, verdicts


def render(
    result: AuditResult, verdicts: output.Reachability | None, fmt: str, to_terminal: bool
) -> str:
    if fmt == "json":
        return output.render_json(result)
    if fmt == "sarif":
        return output.render_sarif(result)
    if fmt == "markdown":
        return output.render_markdown(result, verdicts)
    width = shutil.get_terminal_size((120, 24)).columns if to_terminal else 120
    return output.render_table(result, verdicts, width)


def run(
    args: argparse.Namespace,
    azure: sources.Azure | None = None,
    settings: config.AuditConfig | None = None,
) -> int:
    settings = settings or config.load()
    result, verdicts = audit(args, azure, settings)
    to_terminal = not args.output_file and sys.stdout.isatty()
    text = render(result, verdicts, args.format, to_terminal)
    if args.output_file:
        try:
            Path(args.output_file).write_text(mask(text), encoding="utf-8")
        except OSError as exc:
            raise KvlintError(f"cannot write {args.output_file}: {exc}") from None
    else:
        sys.stdout.write(text)
    if args.format in ("json", "sarif") or args.output_file:
        print(output.summary(result), file=sys.stderr)
    threshold = output.RANK[args.fail_on or settings.fail_on or "warning"]
    failing = any(output.RANK[f.severity] >= threshold for f in result.findings)
    return EXIT_FINDINGS if failing or result.errors else EXIT_OK
