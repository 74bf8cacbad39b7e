"""Ids and limits past what a backend can store (a signed 64-bit integer) match nothing past the largest, on every
backend, instead of overflowing the driver: ``GET /api/v1/audit/999999999999999999999999999999`` was a 500 (found
by the REST API's schemathesis run)."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.audit import open_audit
from portcullis.audit.query import MAX_ID, AuditFilter
from tests.audit.conftest import make_record

HUGE = 10**30


async def test_ids_and_limits_past_64_bits_read_nothing_past_the_largest(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        await log.write(make_record(0))
        first = (await log.query(limit=1))[0]["id"]
        assert await log.query(after_id=HUGE - 1, upto_id=HUGE, limit=1) == []  # GET /api/v1/audit/{huge}
        assert await log.query(after_id=HUGE, limit=10) == []
        assert [r["id"] for r in await log.query(after_id=-HUGE, limit=HUGE)] == [first]
    finally:
        await log.close()


@pytest.mark.parametrize(
    ("given", "kept"), [(HUGE, (MAX_ID, MAX_ID, MAX_ID)), (-HUGE, (-1, -1, 0)), (-1, (-1, -1, 0)), (7, (7, 7, 7))]
)
def test_a_filter_keeps_its_bounds_in_range(given: int, kept: tuple[int, int, int]) -> None:
    f = AuditFilter(after_id=given, upto_id=given, limit=given)
    assert (f.after_id, f.upto_id, f.limit) == kept
