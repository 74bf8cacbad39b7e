"""Append bytes to a file whole, or leave nothing of them: what the audit's files (JSON Lines, the spool)
need so that a disk that refuses a write partway (full, over a size limit) leaves no fragment for the
next line to run into, and a retried write is not stored twice.
"""

from __future__ import annotations

import contextlib
import os

__all__ = ["append_whole", "cut_back"]


def append_whole(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (opened ``O_APPEND``), over as many writes as the disk takes; when one
    fails, what the others wrote is removed (``cut_back``) and the ``OSError`` raised."""
    view = memoryview(data)
    written = 0
    try:
        while written < len(data):
            written += os.write(fd, view[written:])
    except OSError:
        if written:
            cut_back(fd, written)
        raise


def cut_back(fd: int, written: int) -> None:
    """Remove the ``written`` bytes last appended on ``fd``. The descriptor's offset is just past them
    (``O_APPEND``); if another process has appended since, they are not the file's last bytes, and the
    fragment is ended with a newline instead: a line of its own, which readers skip."""
    try:
        ours = os.lseek(fd, 0, os.SEEK_CUR)
        if os.fstat(fd).st_size == ours:
            os.ftruncate(fd, ours - written)
            return
    except OSError:
        pass
    with contextlib.suppress(OSError):
        os.write(fd, b"\n")
