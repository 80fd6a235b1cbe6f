"""``kvlint server``: the Language Server over stdio (options only; the server is kvlint.server).

pygls is an optional dependency (``pip install 'kvlint-azure[server]'``); without it this
command says so in one line and exits 2. Nothing here is imported by ``kvlint check``.
"""

from __future__ import annotations

import argparse

from kvlint import extras


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    del name
    parser.add_argument(
        "--stdio",
        action="store_true",
        help="talk LSP over stdin/stdout (the default and only transport; accepted because "
        "many editors pass it)",
    )
    parser.add_argument(
        "--log-file",
        metavar="FILE",
        help="also write the server's own log (debug level) to FILE",
    )


def run(args: argparse.Namespace) -> int:
    extras.require("server", "kvlint server")
    from kvlint.server.app import serve

    return serve(log_file=args.log_file)
