"""The JSON Lines audit backend: one record per line, appended by one dedicated thread.

A record's id is the byte offset of its line, so ``--follow`` resumes by seeking. Ids stay what they
were when retention prunes the file, so a reader that follows the trail by id misses nothing: the records
removed from the file's start are counted in a first line, ``{"id_base": N}`` (ids are ``N`` plus the
offset), and a record removed from further on (its call started before the cut-off, it ended after
records kept) is blanked (spaces, its length kept) until the records before it go too. Durability is the
same as SQLite's: ``sync="normal"`` has the line in the file (the OS page cache) before ``write()``
returns — safe against ``kill -9``; ``sync="full"`` adds an fsync per group commit. A torn last line
(a crash in the middle of a write that was never answered) is skipped when reading. An append the
disk refuses partway (full, over a size limit) is cut back to where it began before the error reaches
the audit log, which retries it: a retried batch is never stored twice, and no fragment is left to run
into the next record's line.

With ``sync="normal"`` the append (one ``write(2)`` per group commit) runs on the event loop; with
``sync="full"`` in a worker thread. Retention rewrites the file in the worker thread while commits wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from portcullis._plumbing.appends import append_whole
from portcullis._plumbing.isotime import iso
from portcullis._plumbing.worker import Worker
from portcullis.audit.log import AuditLog, Row
from portcullis.audit.query import AuditFilter
from portcullis.audit.record import FIELDS, record_to_dict
from portcullis.audit.redact import Redactor

__all__ = ["JsonlAuditLog"]

_NAMES = FIELDS[1:]
_JSON = ("arguments", "shadow")  # stored as JSON text in a row: written nested
_BASE_KEY = b'{"id_base":'  # how the first line starts when a prune removed records from the file's start


def _line(row: Row) -> bytes:
    values: dict[str, Any] = {"time": iso(row[0]), "ts": row[0]}
    for name, value in zip(_NAMES, row[1:], strict=True):
        values[name] = orjson.Fragment(value.encode()) if name in _JSON and isinstance(value, str) else value
    return orjson.dumps(values) + b"\n"


class JsonlAuditLog(AuditLog):
    """Audit records appended to a ``.jsonl`` file."""

    def __init__(self, path: Path, redactor: Redactor, *, sync: str = "normal", **options: Any) -> None:
        super().__init__(redactor, **options)
        self.path = path
        self.url = f"jsonl:///{path}"
        self._fsync = sync == "full"
        self.inline_commits = not self._fsync
        self._worker = Worker("portcullis-audit-jsonl")
        self._fd: int | None = None
        self._pruning: asyncio.Lock | None = None

    async def open(self) -> None:
        await self._run(self._open_sync)

    def _open_sync(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await self._worker.run(fn, *args)

    def _commit_sync(self, rows: list[Row]) -> None:
        fd = self._fd
        assert fd is not None
        append_whole(fd, b"".join(_line(r) for r in rows))  # a short write goes on, or is cut back
        if self._fsync:
            os.fsync(fd)

    async def _commit(self, rows: list[Row]) -> None:
        if self._pruning is not None and self._pruning.locked():
            async with self._pruning:
                pass
        if self._fsync:
            await self._run(self._commit_sync, rows)
        else:
            self._commit_sync(rows)

    def _read_sync(self, flt: AuditFilter) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        try:
            f = open(self.path, "rb")  # noqa: SIM115 - closed below, read line by line
        except FileNotFoundError:
            return out
        with f:
            base, offset = _read_base(f)
            if flt.after_id is not None and flt.after_id - base >= offset:
                if flt.after_id - base >= os.fstat(f.fileno()).st_size:
                    return out  # past the end of the file (seeking there may be refused): nothing after it
                f.seek(flt.after_id - base)
                f.readline()  # skip the record itself
                offset = f.tell()
            for raw in f:
                start, offset = offset, offset + len(raw)
                if flt.upto_id is not None and base + start > flt.upto_id:
                    break
                if not raw.endswith(b"\n"):
                    break  # a torn last line
                try:
                    values = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue  # a blanked record, or a line that is not one
                ts = values.get("ts")
                if not isinstance(ts, (int, float)) or not flt.matches(values, ts):
                    continue
                out.append(record_to_dict(base + start, ts, values))
                if flt.after_id is not None and len(out) >= flt.limit:
                    break
                if flt.after_id is None and len(out) > 2 * flt.limit:
                    del out[: len(out) - flt.limit]
        return out[-flt.limit :] if flt.after_id is None else out

    async def _query(self, flt: AuditFilter) -> list[dict[str, Any]]:
        # Reads run in a worker thread of their own so they never hold up the writer.
        result: list[dict[str, Any]] = await asyncio.to_thread(self._read_sync, flt)
        return result

    def _prune_sync(self, before: float) -> int:
        with open(self.path, "rb") as src:
            base, start = _read_base(src)
            kept, removed, cut = _pruned(src, start, before)
        if not removed:
            return 0
        tmp = self.path.with_suffix(self.path.suffix + ".prune")
        with open(tmp, "wb") as dst:
            dst.write(_base_line(base + start + cut))
            dst.writelines(kept)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, self.path)
        if self._fd is not None:
            os.close(self._fd)
        self._open_sync()
        return removed

    async def _prune(self, before: float) -> int:
        if self._pruning is None:
            self._pruning = asyncio.Lock()
        async with self._pruning:
            removed: int = await self._run(self._prune_sync, before)
        return removed

    def _close_sync(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def _close(self) -> None:
        await self._run(self._close_sync)
        self._worker.close()


def _read_base(f: BinaryIO) -> tuple[int, int]:
    """What a record's id adds to its offset in the file, and where the first record may start: after the
    ``id_base`` line a prune wrote, if there is one (``f`` is left there)."""
    first = f.readline()
    if first.startswith(_BASE_KEY) and first.endswith(b"\n"):
        with contextlib.suppress(orjson.JSONDecodeError, AttributeError):
            base = orjson.loads(first).get("id_base")
            if type(base) is int:
                return base, len(first)
    f.seek(0)
    return 0, 0


def _pruned(src: BinaryIO, start: int, before: float) -> tuple[list[bytes], int, int]:
    """The lines to keep of a file read from ``start``, the number of records older than ``before``, and
    how many bytes from ``start`` on the kept lines no longer hold (their ids are these more than their
    offsets: the records, and blanked lines, before the first record kept). A record older than
    ``before`` after one kept is blanked: same length, no content."""
    kept: list[bytes] = []
    removed = 0
    cut = 0
    for raw in src:
        if not raw.endswith(b"\n"):
            kept.append(raw)  # a torn last line: left for the reader to skip
            break
        try:
            ts = orjson.loads(raw).get("ts")
        except (orjson.JSONDecodeError, AttributeError):
            ts = None
        old = isinstance(ts, (int, float)) and ts < before
        removed += old
        if not kept and (old or not raw.strip()):
            cut += len(raw)  # the start of the file: removed, counted in the ids
        elif old:
            kept.append(b" " * (len(raw) - 1) + b"\n")
        else:
            kept.append(raw)
    return kept, removed, cut


def _base_line(ids_from: int) -> bytes:
    """The first line of a pruned file: ``id_base`` is what ids add to offsets, so that each record keeps
    the id it had (the line's own length is taken from it: the records start after the line)."""
    base = ids_from
    for _ in range(4):  # the line's length depends on the number it holds: settle it
        line = b'{"id_base":%d,"note":"portcullis: record ids are id_base plus their offset"}\n' % base
        if base == ids_from - len(line):
            return line
        base = ids_from - len(line)
    return line
