"""Argument parsing and dispatch only.

Each sub-command lives in its own module exposing ``add_arguments(parser)`` and ``run(args)``;
only the chosen one is imported, so ``kvlint check`` never pays for the Azure SDKs that
``kvlint audit`` needs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from kvlint import DISTRIBUTION, __version__, extras
from kvlint.errors import EXIT_ERROR, KvlintError
from kvlint.redact import MaskingStream, mask
from kvlint.report.escape import one_line

COMMANDS: dict[str, tuple[str, str]] = {
    "check": (
        "kvlint.commands.check",
        "lint Python and config files for Key Vault 401/403/429 bugs",
    ),
    "audit": ("kvlint.commands.audit", "audit live or exported vaults; would a caller get in?"),
    "token": (
        "kvlint.commands.token",
        "decode an access token offline; why would Key Vault reject it?",
    ),
    "logs": (
        "kvlint.commands.logs",
        "read Key Vault audit logs; why did requests get 401/403/429?",
    ),
    "explain": (
        "kvlint.commands.explain",
        "paste a Key Vault or Entra ID error: the cause, the identity and the fix",
    ),
    "rules": ("kvlint.commands.rules", "list every rule and check"),
    "rule": ("kvlint.commands.rules", "show one rule's documentation"),
    "server": ("kvlint.commands.server", "Language Server (LSP over stdio) for editors"),
    "clean": ("kvlint.commands.clean", "remove the result cache and project summaries"),
}


class _Parser(argparse.ArgumentParser):
    """argparse, with one-line error messages, masked (they quote the offending argument)."""

    def error(self, message: str) -> NoReturn:
        """One line on stderr, as the README promises (no usage block), and exit 2."""
        shown = mask(one_line(message))
        self.exit(EXIT_ERROR, f"{self.prog}: error: {shown} (see `{self.prog} --help`)\n")


def _top_level_help() -> str:
    width = max(map(len, COMMANDS))
    lines = [
        "usage: kvlint [--version] COMMAND [ARGS ...]",
        "",
        "commands:",
        *(f"  {name.ljust(width)}  {text}" for name, (_, text) in COMMANDS.items()),
        "",
        "Run `kvlint COMMAND --help` for a command's options.",
        "Exit codes: 0 nothing to report, 1 findings, 2 usage/config/input error.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Everything written to stdout and stderr meanwhile is masked: no output
    ever contains a whole JWT (:mod:`kvlint.redact`)."""
    streams: tuple[TextIO, TextIO] = (sys.stdout, sys.stderr)
    sys.stdout, sys.stderr = MaskingStream(sys.stdout), MaskingStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_top_level_help())
        return 0 if args else EXIT_ERROR
    if args[0] == "--version":
        print(f"{DISTRIBUTION} {__version__}")
        return 0
    name = args[0]
    if name not in COMMANDS:
        print(
            f"kvlint: error: unknown command {mask(one_line(repr(name)))} (choose from {', '.join(COMMANDS)})",
            file=sys.stderr,
        )
        return EXIT_ERROR
    module = importlib.import_module(COMMANDS[name][0])
    parser = _Parser(prog=f"kvlint {name}", description=COMMANDS[name][1])
    module.add_arguments(parser, name)
    try:
        options = parser.parse_args(args[1:])
        return int(module.run(options))
    except KvlintError as exc:
        print(f"kvlint: error: {mask(one_line(exc))}", file=sys.stderr)
        if exc.detail:  # the configuration line under the error (already made printable)
            print(mask(exc.detail), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("kvlint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # a bug in kvlint: one line and exit 2, the traceback on request
        missing = isinstance(exc, ImportError) and extras.from_import_error(exc, f"kvlint {name}")
        if missing:  # an optional dependency that a path needs and require() did not ask for
            print(f"kvlint: error: {missing}", file=sys.stderr)
            return EXIT_ERROR
        if os.environ.get("KVLINT_DEBUG"):
            raise
        print(
            f"kvlint: internal error: {type(exc).__name__}: {mask(one_line(exc))} (please report it; "
            "KVLINT_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR
