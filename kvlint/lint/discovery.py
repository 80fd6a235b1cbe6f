"""Which files a run lints: discovery (paths named, folders walked, excludes), and reading.

No linting here: :mod:`kvlint.lint.runner` takes the targets as they are found.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kvlint.config import Settings, path_matches
from kvlint.errors import KvlintError
from kvlint.fileio import NOT_REGULAR, NotRegularFile, read_regular
from kvlint.findings import Finding
from kvlint.lint.engine import parse_error_finding
from kvlint.lint.sources.config import discoverable

PYTHON_SUFFIXES = (".py", ".pyi")
NOTEBOOK_SUFFIXES = (".ipynb",)  # Jupyter notebooks: their code cells (kvlint.notebook)
LINTED_SUFFIXES = PYTHON_SUFFIXES + NOTEBOOK_SUFFIXES


@dataclass(frozen=True)
class Target:
    """A file to lint: where it is, how to show it, and its path relative to the project."""

    path: Path
    display: str
    relpath: str


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):  # outside the root; a symlink loop (3.10-3.12)
        return Path(os.path.relpath(path.absolute(), Path.cwd())).as_posix()


def discover(
    paths: list[str],
    settings: Settings,
    *,
    force_exclude: bool = False,
    skipped: list[str] | None = None,
) -> Iterator[Target]:
    """Files below ``paths`` that kvlint handles, honouring default and configured excludes.

    As in ruff, a path named on the command line is linted even when an exclude pattern matches
    it (a named folder's own name does not exclude what is inside it), unless ``force_exclude``
    (pre-commit names every staged file). What is left out is appended to ``skipped`` with the
    reason, for ``--verbose``.
    """
    root = settings.root.resolve()
    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            raise KvlintError(f"path not found: {raw}")
        relpath = _relative(path, root)
        directory = path.is_dir()
        pattern = settings.excluded_by(relpath, directory)
        if pattern is not None and force_exclude:
            _skip(skipped, raw, pattern, directory, "--force-exclude")
            continue
        if directory:
            anchor = relpath if pattern is not None else None
            yield from _walk(path, raw, settings, root, anchor, skipped)
        else:
            yield Target(path, raw, relpath)


def _skip(
    skipped: list[str] | None, shown: str, pattern: str | None, directory: bool, why: str = ""
) -> None:
    if skipped is not None:
        slash = "/" if directory and not shown.endswith("/") else ""
        reason = f"excluded by '{pattern}'" + (f", {why}" if why else "")
        skipped.append(f"{shown}{slash} ({reason})")


def _walk(
    top: Path,
    raw: str,
    settings: Settings,
    root: Path,
    anchor: str | None = None,
    skipped: list[str] | None = None,
) -> Iterator[Target]:
    """Files below ``top``. ``anchor``: the named folder is itself excluded, so patterns are
    matched against paths below it (``kvlint check dist`` lints ``dist/a.py``)."""

    def tested(relpath: str) -> str:
        if anchor is None or anchor == ".":
            return relpath
        return relpath[len(anchor) + 1 :] if relpath.startswith(anchor + "/") else relpath

    excluded = settings.exclusion()  # compiled once for the whole walk
    top_text = os.fspath(top)
    # (folder on disk, its path relative to the project root, its path relative to ``top``)
    todo: list[tuple[str, str, str]] = [(top_text, _relative(top, root), "")]
    while todo:
        directory, base, below = todo.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:  # unreadable or vanished: os.walk ignored it too
            continue
        subdirs: list[tuple[str, str, str]] = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()  # follows a symlink, like os.walk
            except OSError:
                is_dir = False
            shown_below = f"{below}/{name}" if below else name
            if is_dir:
                relpath = tested(_entry_relpath(entry, base, root))
                if excluded(relpath, True):
                    if skipped is not None:
                        shown = _display(raw, shown_below)
                        _skip(skipped, shown, settings.excluded_by(relpath, True), True)
                elif not entry.is_symlink():  # os.walk(followlinks=False) lists, never enters
                    subdirs.append((entry.path, _entry_relpath(entry, base, root), shown_below))
                continue
            if not (name.endswith(LINTED_SUFFIXES) or discoverable(name) or settings.include):
                continue
            relpath = _entry_relpath(entry, base, root)
            if not _wanted(name, relpath, settings):
                continue
            if excluded(tested(relpath), False):
                if skipped is not None:
                    reason = settings.excluded_by(tested(relpath))
                    _skip(skipped, _display(raw, shown_below), reason, False)
                continue
            yield Target(Path(entry.path), _display(raw, shown_below), relpath)
        todo.extend(reversed(subdirs))  # depth first, in name order, as os.walk did


def _entry_relpath(entry: os.DirEntry[str], base: str, root: Path) -> str:
    """``_relative(entry)`` given ``base = _relative(its folder)``: only a symlink needs resolving
    (folders are never entered through a symlink, so ``base`` is already resolved)."""
    if entry.is_symlink():
        return _relative(Path(entry.path), root)
    return entry.name if base == "." else f"{base}/{entry.name}"


def _display(raw: str, below: str) -> str:
    """How a found file is shown: below the path the user gave, as they spelled it."""
    return os.path.join(raw, below) if raw != "." else below


# -- file kinds: Python sources, configuration files (kvlint.lint.sources.config), `include` --
def _wanted(name: str, relpath: str, settings: Settings) -> bool:
    if name.endswith(LINTED_SUFFIXES) or discoverable(name):
        return True
    return any(path_matches(pattern, relpath) for pattern in settings.include)


def read(target: Target) -> bytes | Finding:
    """The file's bytes, read once. A pipe or device (which would block or never end) is refused
    after opening it without blocking, so the check and the read concern the same file."""
    try:
        if target.path.is_dir():
            return parse_error_finding(target.display, "is a directory, not a file")
        return read_regular(target.path)
    except NotRegularFile:
        return parse_error_finding(target.display, f"{NOT_REGULAR}; skipped")
    except OSError as exc:
        return parse_error_finding(target.display, f"cannot read file: {exc.strerror or exc}")
