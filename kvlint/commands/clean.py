"""``kvlint clean``: remove kvlint's cache (results and project summaries) for a project."""

from __future__ import annotations

import argparse
import contextlib
import os
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
    from kvlint.lint import cachefs
    from kvlint.lint.cache import FOLDER as RESULTS
    from kvlint.lint.project.store import FOLDER as SUMMARIES

    request = CheckRequest(paths=tuple(args.paths), config=args.config)
    settings = config.load(request.config, _start(request))
    project = config.project_root(settings, _start(request))
    explicit = bool(args.cache_dir)
    directory = (
        Path(args.cache_dir).absolute()
        if explicit
        else project / (settings.cache_dir or ".kvlint_cache")
    )
    if not os.path.lexists(directory):
        print(f"No kvlint cache at {directory}", file=sys.stderr)
        return 0
    tag = directory / cachefs.TAG
    try:
        ours = not tag.is_symlink() and tag.read_text(encoding="utf-8") == cachefs.CACHEDIR_TAG
    except OSError:
        ours = False
    if not ours:
        raise KvlintError(
            f"{directory} is not a kvlint cache (no kvlint CACHEDIR.TAG): not removed"
        )
    root, why = cachefs.open_root(directory, explicit, project, (RESULTS, SUMMARIES))
    if root is None:
        raise KvlintError(f"cache not removed: {why}")
    refused = 0
    for folder in (RESULTS, SUMMARIES):
        refused += root.prune(folder, 0)[1]  # only the entries kvlint writes, never a link
        top = root.path / folder
        with contextlib.suppress(OSError):
            for bucket in os.listdir(top):
                with contextlib.suppress(OSError):
                    os.rmdir(top / bucket)  # empty ones only
            os.rmdir(top)
    for name in (cachefs.TAG, cachefs.GITIGNORE):
        with contextlib.suppress(OSError):
            os.unlink(root.path / name)  # a link itself, never what it points to
    with contextlib.suppress(OSError):
        os.rmdir(root.path)  # only when nothing else is in it
    note = f" ({refused} link(s) left alone)" if refused else ""
    print(f"Removed the kvlint cache at {directory}{note}", file=sys.stderr)
    return 0
