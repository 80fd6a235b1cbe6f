"""Options every command spells the same way."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def add_format(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    choices: Sequence[str],
    default: str,
    help: str = "report format (default: %(default)s)",
) -> None:
    """``--output-format`` with its alias ``--format`` (ruff's names), into ``args.format``."""
    parser.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=choices,
        default=default,
        help=f"{help}; --format is an alias",
    )
