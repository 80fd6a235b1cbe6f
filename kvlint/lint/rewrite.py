"""Rewriting files: the text a file was linted from, a unified diff, and atomic writes that
refuse a file changed meanwhile (``--fix``, ``--diff``, ``--add-noqa``)."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from kvlint.errors import KvlintError
from kvlint.lint.sources import SourceFile
from kvlint.lint.sources import notebook as notebook_source
from kvlint.lint.sources.config import kind_of
from kvlint.lint.sources.python import decode


def decoded(display: str, data: bytes) -> SourceFile | None:
    """A file's text as the linter decoded it (None when it cannot be: it had a KV000)."""
    if notebook_source.is_notebook(display):
        try:
            return notebook_source.read(data)
        except notebook_source.NotebookError:
            return None
    if kind_of(display):
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        try:
            return SourceFile(data.decode(encoding), encoding)
        except UnicodeDecodeError:
            return None
    try:
        return decode(data)
    except ValueError:
        return None


def unified(before: str, after: str, display: str) -> str:
    import difflib  # only --diff needs it (start-up)

    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=display if os.path.isabs(display) else f"a/{display}",
            tofile=display if os.path.isabs(display) else f"b/{display}",
        )
    )


class FileChanged(KvlintError):
    """The file is no longer what was read (another run, an editor): nothing was written."""


def write_atomically(path: Path, expected: bytes, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a temporary file in the same directory.

    Refuses when the file changed since it was read (``expected``) or is read-only; keeps the
    file mode (and, where allowed, its owner); on any error the original stays untouched and the
    temporary file is removed.
    """
    try:
        current = path.read_bytes()
    except OSError:
        raise KvlintError("file disappeared before it could be fixed") from None
    if current != expected:
        raise FileChanged("file changed while kvlint was running; run again")
    import tempfile  # only a rewrite needs it (start-up)

    real = path.resolve()
    info = real.stat()
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o222 or not os.access(real, os.W_OK):  # os.replace would not care
        raise KvlintError("file is read-only")
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".kvlint-tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file to someone else
                os.chown(tmp, info.st_uid, info.st_gid)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
