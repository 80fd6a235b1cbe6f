"""Options every command spells the same way."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from kvlint.errors import KvlintError


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


def arm_for_cloud(cloud_name: str) -> Any:
    """ARM access for a live check, signed in as ``kvlint audit`` signs in (the Azure SDK is
    imported only here, when a command needs it)."""
    from kvlint import keyvault
    from kvlint.audit.arm import Azure, default_credential

    cloud = keyvault.CLOUDS_BY_NAME[cloud_name]
    try:
        credential = default_credential(cloud.authority_host, None)
    except ValueError as exc:
        raise KvlintError(f"cannot set up the Azure credential: {exc}") from None
    return Azure(credential, arm_endpoint=cloud.arm_endpoint)
