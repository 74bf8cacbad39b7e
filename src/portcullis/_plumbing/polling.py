"""A file's change stamp, for the watchers that poll a file (the policy file, the config file).

Polling ``stat`` a few times a second is cheap, works on every file system (network mounts and
container bind mounts included, where change notifications do not) and needs no dependency. The
stamp is ``(mtime in ns, size, inode)``: an edit in place changes the first two, an editor's
save-by-rename the inode. A watcher compares stamps and reads the file only when its stamp moved.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FileStamp", "file_stamp"]

FileStamp = tuple[int, int, int]


def file_stamp(path: str | Path) -> FileStamp | None:
    """``(mtime_ns, size, inode)`` of ``path``; ``None`` when it cannot be read (missing, no permission)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
