"""``kvlint token``: options, then :func:`kvlint.token.examine.examine`, the report and the exit
code (0 no problems, 1 findings, 2 usage or input error)."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from kvlint import extras
from kvlint.commands.options import add_format
from kvlint.errors import EXIT_FINDINGS, EXIT_OK
from kvlint.report import token as report
from kvlint.token.diagnose import DEFAULT_SKEW
from kvlint.token.examine import ChainFailed, TokenRequest, examine


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

    parser.add_argument(
        "--explain",
        action="store_true",
        help="with --acquire: walk DefaultAzureCredential's chain as azure-identity logs it "
        "(which credential answered, why each earlier one was skipped)",
    )
    parser.add_argument(
        "--input",
        metavar="VAULTS_JSON",
        help="with --acquire --explain --vault: exported vaults (and role assignments), as for "
        "`kvlint audit --input`: would this identity pass the vault's gates?",
    )
    parser.add_argument(
        "--ip",
        metavar="ADDRESS",
        help="with --input: this machine's egress address, for the network gates",
    )


def request_from(args: argparse.Namespace) -> TokenRequest:
    return TokenRequest(
        token=args.token,
        tenant=args.tenant,
        vault=args.vault,
        skew=timedelta(minutes=args.skew),
        acquire=args.acquire,
        scope=args.scope,
        explain=args.explain,
        vaults_file=args.input,
        ip=args.ip,
    )


def run(args: argparse.Namespace) -> int:
    if args.acquire:
        extras.require("azure", "kvlint token --acquire")
    try:
        result = examine(request_from(args))
    except ChainFailed as failed:
        if args.format == "json":
            print(json.dumps({"credential_chain": failed.walk.as_dict()}, indent=2))
        else:
            print(report.render_walk(failed.walk), end="")
        raise
    prediction = None
    if args.input:  # examine() has checked --acquire --explain --vault
        from kvlint.explain.predict import predict

        prediction = predict(result.token.claims, args.vault, args.input, args.ip)
    if args.format == "json":
        print(report.document(result.token, result.findings, result.walk, prediction))
    else:
        text = report.render_text(
            result.token, result.findings, result.now, tenant_checked=result.tenant_checked
        )
        if result.walk is not None:
            text = report.render_walk(result.walk) + "\n" + text
        if prediction is not None:
            text += report.render_prediction(prediction)
        print(text, end="")
    refused = bool(prediction and prediction.verdicts)
    return EXIT_FINDINGS if result.findings or refused else EXIT_OK
