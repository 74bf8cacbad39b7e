"""A reader that follows the audit trail by id (``portcullis audit --follow``, ``GET /api/v1/audit?after_id``,
a SIEM export) misses nothing and sees nothing twice across a retention prune, on every backend.

JSON Lines ids are byte offsets: before the fix a prune rewrote the file without the old records, every
offset moved, and a follower's ``after_id`` pointed into another record (records skipped, or read again);
``GET /api/v1/audit/{id}`` found another record or none. SQLite gave an id again once a prune emptied the
trail (``tests/audit/test_sqlite_ids.py``).
"""

from __future__ import annotations

from typing import Any

from portcullis.audit import open_audit
from tests.audit.conftest import make_record


async def test_a_follower_misses_nothing_across_a_prune(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        for i in range(6):
            await log.write(make_record(i))  # times 1_780_000_000 + i
        before = await log.query(limit=10)
        seen = before[2]["id"]  # the follower has read records 0, 1 and 2
        assert await log.prune(1_780_000_002.0) == 2  # records 0 and 1 go
        after = await log.query(limit=10)
        assert [r["id"] for r in after] == [r["id"] for r in before[2:]]  # the records kept keep their ids
        for i in range(6, 8):
            await log.write(make_record(i))
        news = await log.query(after_id=seen, limit=10)
        assert [r["arguments"]["n"] for r in news] == [3, 4, 5, 6, 7]
        assert len({r["id"] for r in news} | {r["id"] for r in before}) == len(before) + 2  # no id given twice
        assert await log.query(after_id=before[4]["id"] - 1, upto_id=before[4]["id"], limit=1) == [before[4]]
    finally:
        await log.close()


async def test_a_follower_of_a_pruned_record_goes_on_from_the_first_kept(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        for i in range(4):
            await log.write(make_record(i))
        first = (await log.query(limit=10))[0]["id"]
        await log.prune(1_780_000_002.0)
        assert [r["arguments"]["n"] for r in await log.query(after_id=first, limit=10)] == [2, 3]
    finally:
        await log.close()


async def test_a_record_older_than_the_cut_off_among_newer_ones_goes_too(backend: tuple[str, dict[str, Any]]) -> None:
    """A long call's record is written when it ends, after records of calls that started later: it is
    removed with its time, and the records after it keep their ids."""
    url, options = backend
    log = await open_audit(url, **options)
    try:
        for i in (5, 6, 0, 7):  # the third started first
            await log.write(make_record(i))
        before = await log.query(limit=10)
        assert await log.prune(1_780_000_003.0) == 1
        after = await log.query(limit=10)
        assert [r["arguments"]["n"] for r in after] == [5, 6, 7]
        assert [r["id"] for r in after] == [before[0]["id"], before[1]["id"], before[3]["id"]]
        await log.prune(1_780_000_006.5)  # now the records before the blanked one go as well
        assert [(r["id"], r["arguments"]["n"]) for r in await log.query(limit=10)] == [(before[3]["id"], 7)]
        await log.write(make_record(8))
        (last,) = await log.query(after_id=before[3]["id"], limit=10)
        assert last["arguments"]["n"] == 8 and last["id"] > before[3]["id"]
    finally:
        await log.close()
