"""Reading a file a user named: never a pipe, socket or device.

A FIFO would block for ever and ``/dev/zero`` never ends (it grew to 13.5 GB). The file is
opened without blocking and checked with ``fstat`` (the check and the read concern the same
file), and anything but a regular file is refused with :class:`NotRegularFile`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

NOT_REGULAR = "not a regular file (a pipe, socket or device)"


class NotRegularFile(OSError):
    """A pipe, socket or device where a file was expected."""

    def __init__(self) -> None:
        super().__init__(NOT_REGULAR)
        self.strerror = NOT_REGULAR


def read_regular(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``); raises OSError (and
    :class:`NotRegularFile` for a pipe, socket or device)."""
    fd = os.open(Path(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotRegularFile()
        return handle.read() if limit is None else handle.read(limit)
