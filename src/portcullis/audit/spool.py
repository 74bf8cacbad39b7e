"""A durable local spool for audit records the database cannot take now, replayed in order later.

When the audit database is down or too slow, a call must still be answered and its record must not be
lost: the record is appended here (one ``fsync`` per group commit) and the caller is answered. A
replayer sends the spooled records to the database in the order they arrived, and each record carries
an id the database keeps unique, so a record replayed twice (a crash between the database's commit
and the spool's bookkeeping) is stored once.

Why by hand: what is needed is an append-only file with a byte offset of what has been replayed, a
torn last line dropped on open, and one lock per process — a few dozen lines over ``os`` and
``fcntl``; the queue libraries on PyPI bring a broker or a database of their own.

Files, in the spool folder: ``spool-N.jsonl`` (one JSON array per line: the record's id, then its
row), ``spool-N.offset`` (how many bytes of it were replayed) and ``spool-N.lock``. Each process
holds an exclusive ``flock`` on the lock of the slot it uses, so replicas sharing a folder never share
a file, and a slot left by a process that died is taken, and replayed, by the next one that starts.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from portcullis._plumbing.appends import append_whole, cut_back

__all__ = ["Spool"]

_SLOTS = 64  # processes that may share one folder


class Spool:
    """The spool of one process. ``open()`` takes a free slot; ``append`` and ``consumed`` are durable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path: Path | None = None
        self.backlog = 0  # records appended and not yet replayed
        self.oldest: float | None = None  # time of the oldest record not yet replayed
        self._lock: IO[bytes] | None = None
        self._file: IO[bytes] | None = None
        self._offset = 0

    def open(self) -> None:
        """Take the first slot no other process holds, and count what it still has to replay."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for slot in range(_SLOTS):
            lock = open(self.folder / f"spool-{slot}.lock", "ab")  # noqa: SIM115 - held for the spool's life
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            self._lock = lock
            self.path = self.folder / f"spool-{slot}.jsonl"
            break
        else:
            raise OSError(f"every audit spool slot in {self.folder} is held by another process")
        self._file = open(self.path, "a+b")  # noqa: SIM115 - held for the spool's life
        self._drop_torn_tail()
        self._offset = self._read_offset()
        pending = self._lines(self._offset, None)
        self.backlog = len(pending)
        self.oldest = _time_of(pending[0][1]) if pending else None

    def append(self, records: Sequence[Sequence[Any]]) -> None:
        """Write ``records`` (each: id, then the row) and ``fsync``; raises ``OSError`` if the disk refuses."""
        assert self._file is not None, "open() the spool first"
        _append_whole(self._file, b"".join(orjson.dumps(list(r)) + b"\n" for r in records))
        if self.backlog == 0 and records:
            self.oldest = _time_of(records[0])
        self.backlog += len(records)

    def peek(self, limit: int) -> tuple[list[list[Any]], int]:
        """Up to ``limit`` of the oldest records not yet replayed, and the offset just after them."""
        lines = self._lines(self._offset, limit)
        end = lines[-1][0] if lines else self._offset
        return [record for _, record in lines], end

    def consumed(self, end: int, count: int) -> None:
        """Mark the records before byte ``end`` (``count`` of them) as stored in the database."""
        assert self._file is not None and self.path is not None
        self._file.seek(0, os.SEEK_END)
        if end >= self._file.tell():  # all replayed: start afresh (nothing is appended meanwhile)
            self._file.truncate(0)
            os.fsync(self._file.fileno())
            end = 0
        self._write_offset(end)
        self._offset = end
        self.backlog = max(0, self.backlog - count)
        if self.backlog:
            first = self._lines(end, 1)
            self.oldest = _time_of(first[0][1]) if first else None
        else:
            self.oldest = None

    def reject(self, record: Sequence[Any]) -> None:
        """Keep a record the database refused in ``spool-N.rejected.jsonl``, for a person to look at."""
        assert self.path is not None
        with open(self.path.with_suffix(".rejected.jsonl"), "a+b") as handle:
            _append_whole(handle, orjson.dumps(list(record)) + b"\n")

    def close(self) -> None:
        """Release the slot; what is not replayed stays on disk for the next process."""
        for handle in (self._file, self._lock):
            if handle is not None:
                handle.close()
        self._file = self._lock = None

    # -- files ----------------------------------------------------------------------------------
    def _lines(self, start: int, limit: int | None) -> list[tuple[int, list[Any]]]:
        """``(offset after the line, record)`` for the lines from ``start``, at most ``limit``."""
        assert self._file is not None
        self._file.seek(start)
        out: list[tuple[int, list[Any]]] = []
        position = start
        while limit is None or len(out) < limit:
            line = self._file.readline()
            if not line.endswith(b"\n"):
                break
            position += len(line)
            out.append((position, orjson.loads(line)))
        return out

    def _drop_torn_tail(self) -> None:
        """A record whose write was cut short (a crash before its ``fsync`` returned) was never
        acknowledged to its caller: drop the partial line."""
        assert self._file is not None
        self._file.seek(0, os.SEEK_END)
        size = self._file.tell()
        if size == 0:
            return
        self._file.seek(max(0, size - 65536))
        tail = self._file.read()
        if tail.endswith(b"\n"):
            return
        cut = tail.rfind(b"\n")
        keep = size - len(tail) + cut + 1 if cut >= 0 else 0
        if cut < 0 and size > len(tail):  # a line longer than the window: find its start the slow way
            self._file.seek(0)
            keep = self._file.read().rfind(b"\n") + 1
        self._file.truncate(keep)
        os.fsync(self._file.fileno())

    def _offset_path(self) -> Path:
        assert self.path is not None
        return self.path.with_suffix(".offset")

    def _read_offset(self) -> int:
        try:
            offset = int(self._offset_path().read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0
        assert self._file is not None
        self._file.seek(0, os.SEEK_END)
        return offset if 0 <= offset <= self._file.tell() else 0

    def _write_offset(self, offset: int) -> None:
        path = self._offset_path()
        temporary = path.with_suffix(".offset.tmp")
        with open(temporary, "wb") as handle:
            handle.write(str(offset).encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def _append_whole(handle: IO[bytes], data: bytes) -> None:
    """Append ``data`` and ``fsync``; when the disk refuses either, nothing of ``data`` is left in the file
    and the ``OSError`` is raised. Written to the descriptor itself: a buffered file would keep what it could
    not write and write it with the next line."""
    handle.flush()
    fd = handle.fileno()
    append_whole(fd, data)
    try:
        os.fsync(fd)
    except OSError:
        cut_back(fd, len(data))
        raise


def _time_of(record: Sequence[Any]) -> float | None:
    """The record's time (its row's first field, after the id)."""
    value = record[1] if len(record) > 1 else None
    return float(value) if isinstance(value, (int, float)) else None
