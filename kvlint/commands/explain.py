"""``kvlint explain [TEXT | @FILE | -]``: options, reading the paste, the report, the exit code.

Exit codes: 0 when every explanation is already fixed in the ``--input`` configuration, 1 when
something was explained, 2 when the input holds no Key Vault or Entra ID error (one line) or
cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kvlint import extras
from kvlint.commands import options
from kvlint.commands.options import add_format
from kvlint.errors import EXIT_FINDINGS, EXIT_OK, KvlintError
from kvlint.report import explain as output


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "text",
        nargs="*",
        metavar="TEXT|@FILE|-",
        help="the error as pasted (quote it), @FILE to read a file, '-' or nothing to read stdin",
    )
    parser.add_argument(
        "--input",
        metavar="VAULTS_JSON",
        help="exported vaults (and role assignments), as for `kvlint audit --input`: say whether "
        "each cause is still refused today, with the audit's own gates",
    )
    parser.add_argument(
        "--check-config",
        action="store_true",
        help="read the vault the error names through Azure Resource Manager (read-only, signed "
        "in like `kvlint audit`; for an RBAC vault the caller's role assignments too) and say "
        "whether it is still refused today",
    )
    parser.add_argument(
        "--cloud",
        choices=("public", "china", "usgov"),
        default="public",
        help="with --check-config: the Azure cloud whose Resource Manager to read (default: public)",
    )
    add_format(parser, output.FORMATS, "text")


def _read(args: argparse.Namespace) -> tuple[str, str]:
    from kvlint.explain import MAX_INPUT

    words = args.text
    if not words or words == ["-"]:
        if args.input == "-":
            raise KvlintError("the paste and --input cannot both read stdin")
        if sys.stdin.isatty():
            print(
                "kvlint explain: paste the error, then Ctrl-D (Ctrl-Z Enter on Windows)",
                file=sys.stderr,
            )
        data = sys.stdin.read(MAX_INPUT + 1)
        source = "<stdin>"
    elif len(words) == 1 and words[0].startswith("@"):
        path = Path(words[0][1:])
        try:
            if not path.is_file():
                raise KvlintError(f"{words[0][1:]}: not a file")
            with path.open("rb") as handle:
                raw = handle.read(MAX_INPUT + 1)
        except OSError as exc:
            raise KvlintError(f"cannot read {words[0][1:]}: {exc.strerror or exc}") from None
        data = raw.decode("utf-8", errors="replace")
        source = words[0][1:]
    else:
        data = " ".join(words)
        source = "<argument>"
    if len(data) > MAX_INPUT:
        raise KvlintError(
            f"{source} is larger than {MAX_INPUT // (1024 * 1024)} MiB: paste the error itself "
            "(for audit logs use `kvlint logs`)"
        )
    return data, source


def run(args: argparse.Namespace, azure: Any = None) -> int:
    """``azure``: ARM access for --check-config (tests point it at a stub)."""
    from kvlint.explain import explain_text

    if args.input and args.check_config:
        raise KvlintError("give --input VAULTS_JSON or --check-config, not both")
    text, source = _read(args)
    report = explain_text(text, source)
    if not report.explanations:
        what = "AuditEvent records" if report.facts.records else "text"
        raise KvlintError(
            f"no Key Vault or Entra ID error found in the {what} given ({source}): paste the "
            "exception or response body as printed (status, code, message)"
        )
    checked = args.input or args.check_config
    if checked:
        from kvlint.explain import config  # the audit's gates: loaded only to check
    if args.input:
        config.annotate(report, args.input)
    elif args.check_config:
        if azure is None:
            extras.require("azure", "kvlint explain --check-config")
            azure = options.arm_for_cloud(args.cloud)
        config.annotate_live(report, azure)
    sys.stdout.write(output.render(report, args.format))
    if checked and all(item.config == config.ADMITTED for item in report.explanations):
        return EXIT_OK
    return EXIT_FINDINGS
