"""The SQLite backend's write-ahead log stays bounded while calls never stop.

The audit's WAL is checkpointed in a worker thread while the event loop goes on committing. A passive
checkpoint never blocks a writer, so under sustained load it never catches up with the frames written
meanwhile, and SQLite starts the WAL again from its beginning only after a checkpoint that did: the file
grew by about 13 KB a record for as long as calls kept coming (617 MB after 45 s of 16 clients in the
benchmark; 258 MB after the 20,000 records here), and with it the shared-memory index the process maps.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from portcullis.audit import open_audit
from tests.audit.conftest import make_record

_RECORDS = 20_000
# Bytes. Without restarts the WAL of these records reaches about 260 MB. With them it holds the frames
# written since the last restart: 4,096 and those of the commits made while a checkpoint runs, which
# this test's writer (as fast as the loop goes) makes many of when the machine is busy and the sync slow
# (24 MB quiet, 53 MB seen beside other tests).
_BOUND = 128 * 1024 * 1024


async def test_the_wal_stays_bounded_under_writes_that_never_pause(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    log = await open_audit(f"sqlite:///{path}")
    wal = Path(f"{path}-wal")
    largest = 0
    try:
        for i in range(_RECORDS):
            await log.write(make_record(i), alone=True)  # committed at once, on the loop: no pause for the checkpoint
            if i % 50 == 0:
                await asyncio.sleep(0)  # the loop hears of each finished checkpoint
                largest = max(largest, wal.stat().st_size)
        assert largest < _BOUND, f"the WAL grew to {largest / 1e6:.0f} MB"
        assert len(await log.query(limit=_RECORDS)) == _RECORDS  # and nothing was lost on the way
    finally:
        await log.close()
    assert not os.path.exists(wal) or wal.stat().st_size < _BOUND
