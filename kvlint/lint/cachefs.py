"""The cache directory on disk, handled as hostile input: a repository can commit anything under
``.kvlint_cache`` (symbolic links to files or folders outside the tree above all).

- :func:`open_root` decides once, before a run, whether the cache may be used: the cache root
  must be a real directory (a link only when the user named it with ``--cache-dir``) inside the
  project, and what kvlint keeps in it (``v1``, ``summaries-v2``, ``CACHEDIR.TAG``,
  ``.gitignore``) must be real directories and files owned by the user running kvlint. Otherwise
  the cache is not used for the run and one line says what was refused.
- Every later read, write and removal walks from the root one directory at a time with
  ``O_NOFOLLOW`` (``dir_fd`` where the platform has it), so a link put there meanwhile is refused
  rather than followed, and a directory owned by someone else is not written in.
- :func:`prune` removes only entries kvlint writes: ``<folder>/ab/<64 hex digits, starting
  ab>.json``, regular files with a single link.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TAG = "CACHEDIR.TAG"
GITIGNORE = ".gitignore"
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# kvlint result cache\n"
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")
_BUCKET = re.compile(r"[0-9a-f]{2}")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_BINARY = getattr(os, "O_BINARY", 0)
# Race-free walking needs dir_fd (POSIX); elsewhere every step is checked with lstat first.
_AT = (
    os.open in os.supports_dir_fd
    and os.mkdir in os.supports_dir_fd
    and os.unlink in os.supports_dir_fd
    and os.replace in os.supports_dir_fd
    and os.scandir in os.supports_fd
    and bool(_NOFOLLOW and _DIRECTORY)
)


class Refused(OSError):
    """A path in the cache that kvlint will not use (a link, not a directory, not ours)."""


@dataclass
class Root:
    """A cache root checked by :func:`open_root`: ``path`` has no link of its own.

    A root that does not exist yet is made at the first write, so a run that writes nothing
    (stdin, ``--diff``) leaves no cache behind."""

    path: Path
    _ready: bool = False

    def _materialize(self) -> None:
        """Before the first write: create a missing root and its markers; refuse a link."""
        if self._ready:
            return
        try:
            os.lstat(self.path)
        except FileNotFoundError:
            self.path.mkdir(parents=True, exist_ok=True)
            info = os.lstat(self.path)
            if stat.S_ISLNK(info.st_mode) or _not_ours(info, directory=True):
                raise Refused(f"{self.path} is not a directory of ours") from None
            self.ensure_markers()
        self._ready = True

    def read(self, folder: str, key: str) -> bytes | None:
        """The entry ``folder/ab/<key>.json``, or None (missing, or not a plain file)."""
        try:
            with self._directory((folder, key[:2]), create=False) as where:
                fd = _open_file(where, f"{key}.json", os.O_RDONLY)
                with os.fdopen(fd, "rb") as handle:
                    return handle.read()
        except OSError:
            return None

    def write(self, folder: str, key: str, data: bytes) -> bool:
        """Write the entry ``folder/ab/<key>.json`` atomically; False when refused or failed."""
        name = f"{key}.json"
        try:
            self._materialize()
            with self._directory((folder, key[:2]), create=True) as where:
                tmp = f".tmp-{os.getpid()}-{os.urandom(6).hex()}"
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
                fd = _open_file(where, tmp, flags)
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(data)
                    _replace(where, tmp, name)  # renames over a link, never through it
                except BaseException:
                    with contextlib.suppress(OSError):
                        _unlink(where, tmp)
                    raise
        except OSError:
            return False
        return True

    @contextlib.contextmanager
    def _directory(self, parts: tuple[str, ...], create: bool) -> Iterator[_Where]:
        """The directory ``root/parts...``, each step a real directory owned by us."""
        if not _AT:
            path = self.path
            for part in ("", *parts):
                path = path / part if part else path
                _check_directory_path(path, create)
            yield _Where(None, path)
            return
        fd = _open_dir(None, str(self.path), create=False)
        try:
            for part in parts:
                inner = _open_dir(fd, part, create)
                os.close(fd)
                fd = inner
            yield _Where(fd, self.path.joinpath(*parts))
        finally:
            os.close(fd)

    def ensure_markers(self) -> None:
        """``CACHEDIR.TAG`` and ``.gitignore`` in the root, created only where absent."""
        for name, text in ((TAG, CACHEDIR_TAG), (GITIGNORE, "# created by kvlint\n*\n")):
            with contextlib.suppress(OSError), self._directory((), create=False) as where:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
                fd = _open_file(where, name, flags)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)

    def prune(self, folder: str, limit: int) -> tuple[int, int]:
        """Remove the oldest entries of ``folder`` beyond ``limit``: (removed, links refused)."""
        refused = 0
        try:
            with self._directory((folder,), create=False) as top:
                buckets = []
                for entry in _scan(top):
                    if entry.is_symlink():
                        refused += 1
                    elif _BUCKET.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                        buckets.append(entry.name)
        except OSError:
            return 0, refused
        # Estimate from one bucket (keys are uniform over 256 buckets) before listing them all.
        if buckets:
            with contextlib.suppress(OSError), self._directory((folder, buckets[0]), False) as w:
                if sum(1 for _ in _scan(w)) * 256 < limit * 0.9:
                    return 0, refused
        entries: list[tuple[int, str, str]] = []
        for bucket in buckets:
            try:
                with self._directory((folder, bucket), create=False) as where:
                    for entry in _scan(where):
                        if entry.is_symlink():
                            refused += 1
                            continue
                        if not (_ENTRY.fullmatch(entry.name) and entry.name.startswith(bucket)):
                            continue  # not a name kvlint writes: never removed
                        info = entry.stat(follow_symlinks=False)
                        if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
                            entries.append((info.st_mtime_ns, bucket, entry.name))
            except OSError:
                continue
        if len(entries) <= limit:
            return 0, refused
        entries.sort()
        removed = 0
        doomed: dict[str, list[str]] = {}
        for _, bucket, name in entries[: len(entries) - limit]:
            doomed.setdefault(bucket, []).append(name)
        for bucket, names in doomed.items():
            with contextlib.suppress(OSError), self._directory((folder, bucket), False) as where:
                for name in names:
                    with contextlib.suppress(OSError):
                        _unlink(where, name)
                        removed += 1
        return removed, refused


@dataclass(frozen=True)
class _Where:
    fd: int | None  # an open directory (dir_fd platforms), else None and ``path`` is used
    path: Path


def open_root(
    directory: Path, explicit: bool, project: Path | None = None, kept: tuple[str, ...] = ()
) -> tuple[Root | None, str | None]:
    """Whether the cache in ``directory`` may be used: (the root, None) or (None, why not).

    ``explicit``: the user named the directory (``--cache-dir``), so a link there is followed.
    Otherwise the directory must lie inside ``project`` with no link on the way. ``kept`` are
    the folders kvlint keeps in the root (each must be a real directory of ours if present).
    """
    shown = _shown(directory)
    path = Path(os.path.abspath(directory))
    if explicit:
        path = path.resolve()
    elif project is not None:
        base = Path(os.path.abspath(project))
        try:
            inside = path.relative_to(base)
        except ValueError:
            return None, f"{shown} is outside the project (name it with --cache-dir to use it)"
        step = base
        for part in inside.parts:
            step = step / part
            if step.is_symlink():
                return (
                    None,
                    f"{_shown(step)} is a symbolic link (name it with --cache-dir to use it)",
                )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return None, f"{shown}: {exc.strerror}"
    if info is None:  # made at the first write (Root._materialize)
        return Root(path), None
    if stat.S_ISLNK(info.st_mode):
        return None, f"{shown} is a symbolic link (name it with --cache-dir to use it)"
    why = _not_ours(info, directory=True)
    if why:
        return None, f"{shown} {why}"
    for name in (*kept, TAG, GITIGNORE):
        try:
            inner = os.lstat(path / name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            return None, f"{_shown(directory / name)}: {exc.strerror}"
        why = _not_ours(inner, directory=name in kept)
        if why:
            return None, f"{_shown(directory / name)} {why}"
    root = Root(path)
    root.ensure_markers()
    return root, None


def _not_ours(info: os.stat_result, directory: bool) -> str | None:
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if directory and not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if not directory and not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if not directory and info.st_nlink != 1:
        return "has other hard links"
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return "belongs to another user"
    return None


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return os.path.relpath(path)
    return str(path)


def _open_dir(parent: int | None, name: str, create: bool) -> int:
    flags = os.O_RDONLY | _DIRECTORY | _NOFOLLOW
    try:
        fd = os.open(name, flags, dir_fd=parent)
    except FileNotFoundError:
        if not create:
            raise
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o777, dir_fd=parent)
        fd = os.open(name, flags, dir_fd=parent)  # a link put there meanwhile: ELOOP
    info = os.fstat(fd)
    why = _not_ours(info, directory=True)
    if why:
        os.close(fd)
        raise Refused(f"{name} {why}")
    return fd


def _check_directory_path(path: Path, create: bool) -> None:
    """Without dir_fd: the same checks by path (lstat before use)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not create:
            raise
        with contextlib.suppress(FileExistsError):
            path.mkdir()
        info = os.lstat(path)
    why = _not_ours(info, directory=True)
    if why:
        raise Refused(f"{path} {why}")


def _open_file(where: _Where, name: str, flags: int) -> int:
    flags |= _NOFOLLOW | _BINARY
    if where.fd is not None:
        fd = os.open(name, flags, 0o666, dir_fd=where.fd)
    else:
        target = where.path / name
        if target.is_symlink():
            raise Refused(f"{target} is a symbolic link")
        fd = os.open(target, flags, 0o666)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Refused(f"{name} is not a regular file")
    return fd


def _replace(where: _Where, source: str, target: str) -> None:
    if where.fd is not None:
        os.replace(source, target, src_dir_fd=where.fd, dst_dir_fd=where.fd)
    else:
        os.replace(where.path / source, where.path / target)


def _unlink(where: _Where, name: str) -> None:
    if where.fd is not None:
        os.unlink(name, dir_fd=where.fd)
    else:
        os.unlink(where.path / name)


def _scan(where: _Where) -> Iterator[os.DirEntry]:
    if where.fd is not None:
        with os.scandir(where.fd) as entries:  # scandir duplicates the descriptor
            yield from entries
    else:
        with os.scandir(where.path) as entries:
            yield from entries
