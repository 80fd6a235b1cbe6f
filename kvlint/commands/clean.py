"""``kvlint clean``: remove kvlint's cache (results and project summaries) for a project."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
from pathlib import Path

from kvlint.errors import KvlintError


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "paths", nargs="*", help="a path in the project (default: the current folder)"
    )
    parser.add_argument("--config", metavar="FILE", help="the pyproject.toml / kvlint.toml to use")
    parser.add_argument("--cache-dir", metavar="DIR", help="cache directory (.kvlint_cache)")


def run(args: argparse.Namespace) -> int:
    from kvlint import config
    from kvlint.commands.check import CheckRequest, _start
    from kvlint.lint.cache import CACHEDIR_TAG

    request = CheckRequest(paths=tuple(args.paths), config=args.config)
    settings = config.load(request.config, _start(request))
    if args.cache_dir:
        directory = Path(args.cache_dir).absolute()
    else:
        directory = config.project_root(settings, _start(request)) / (
            settings.cache_dir or ".kvlint_cache"
        )
    if directory.is_symlink():
        raise KvlintError(f"{directory} is a symbolic link: not removed")
    if not directory.is_dir():
        print(f"No cache at {directory}", file=sys.stderr)
        return 0
    tag = directory / "CACHEDIR.TAG"
    try:
        ours = tag.read_text(encoding="utf-8") == CACHEDIR_TAG and not tag.is_symlink()
    except OSError:
        ours = False
    if not ours:
        raise KvlintError(
            f"{directory} is not a kvlint cache (no kvlint CACHEDIR.TAG): not removed"
        )
    removed = 0
    for entry in directory.iterdir():
        if entry.is_symlink() or not entry.is_dir():
            continue
        if entry.name == "v1" or entry.name.startswith("summaries-"):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    for name in ("CACHEDIR.TAG", ".gitignore"):
        (directory / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        directory.rmdir()  # only when nothing else is in it
    print(f"Removed the kvlint cache at {directory}", file=sys.stderr)
    return 0
