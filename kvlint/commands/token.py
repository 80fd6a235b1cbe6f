"""``kvlint token``: options, then :func:`kvlint.token.examine.examine`, the report and the exit
code (0 no problems, 1 findings, 2 usage or input error)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from kvlint import extras
from kvlint.commands.options import add_format
from kvlint.errors import EXIT_FINDINGS, EXIT_OK
from kvlint.report import token as report
from kvlint.token.diagnose import DEFAULT_SKEW
from kvlint.token.examine import TokenRequest, examine


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "token",
        nargs="?",
        metavar="JWT|-|@FILE",
        help="the access token: raw, 'Bearer …', an 'Authorization:' header line, "
        "`az account get-access-token` JSON; '-' or nothing reads stdin, @FILE reads a file "
        "(prefer these: a token on the command line lands in shell history)",
    )
    parser.add_argument("--tenant", metavar="T", help="the tenant id the token must come from")
    parser.add_argument(
        "--vault",
        metavar="URL",
        help="the vault or Managed HSM the token is for; its cloud decides the expected audience",
    )
    parser.add_argument(
        "--skew",
        metavar="MINUTES",
        type=float,
        default=DEFAULT_SKEW.total_seconds() / 60,
        help="clock skew allowed for exp and nbf (default: %(default)g)",
    )
    add_format(parser, ("text", "json"), "text")
    parser.add_argument(
        "--acquire",
        action="store_true",
        help="get a token with DefaultAzureCredential (the identity your code presents) and "
        "diagnose it",
    )
    parser.add_argument(
        "--scope",
        metavar="S",
        help="with --acquire: the scope to request (default: the vault's audience + /.default)",
    )


def request_from(args: argparse.Namespace) -> TokenRequest:
    return TokenRequest(
        token=args.token,
        tenant=args.tenant,
        vault=args.vault,
        skew=timedelta(minutes=args.skew),
        acquire=args.acquire,
        scope=args.scope,
    )


def run(args: argparse.Namespace) -> int:
    if args.acquire:
        extras.require("azure", "kvlint token --acquire")
    result = examine(request_from(args))
    if args.format == "json":
        print(report.document(result.token, result.findings))
    else:
        text = report.render_text(
            result.token, result.findings, result.now, tenant_checked=result.tenant_checked
        )
        print(text, end="")
    return EXIT_FINDINGS if result.findings else EXIT_OK
