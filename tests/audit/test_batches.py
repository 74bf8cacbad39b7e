"""Group commit under failure: one record a backend refuses never takes the others of its batch down.

A small in-memory backend refuses what a test tells it to (as PostgreSQL refuses a row that breaks a
constraint), or fails as a store that is down does; the real backends run the same code path
(``AuditLog._commit_batch``), and ``tests/e2e/test_audit_integrity.py`` drives it through a gateway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from portcullis.audit import AuditFilter, Redactor
from portcullis.audit.log import UNSTORABLE, AuditLog, Row
from portcullis.errors import StoreUnavailable
from tests.audit.conftest import make_record


class RefusingLog(AuditLog):
    """Keeps rows in a list; a batch with a row ``refuse(row)`` is true for fails whole, as a transaction does."""

    url = "memory://test"

    def __init__(self, refuse: Callable[[Row], BaseException | None]) -> None:
        super().__init__(Redactor())
        self.refuse = refuse
        self.rows: list[Row] = []
        self.attempts: list[int] = []  # the size of every commit tried

    async def _commit(self, rows: list[Row]) -> None:
        self.attempts.append(len(rows))
        await asyncio.sleep(0)  # like a round trip: other writers queue meanwhile
        for row in rows:
            error = self.refuse(row)
            if error is not None:
                raise error
        self.rows.extend(rows)

    async def _query(self, flt: AuditFilter) -> list[dict[str, Any]]:
        return []

    async def _prune(self, before: float) -> int:
        return 0

    async def _close(self) -> None:
        return None


def _tools(log: RefusingLog) -> list[str]:
    return sorted(row[4] for row in log.rows)


async def test_a_refused_record_is_retried_alone_and_the_others_are_committed() -> None:
    log = RefusingLog(lambda row: ValueError("violates check") if row[4] == "poison" else None)
    writes = [log.write(make_record(i, tool="poison" if i == 7 else f"t{i:02d}")) for i in range(20)]
    results = await asyncio.gather(*writes, return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    assert len(failed) == 1 and isinstance(failed[0], StoreUnavailable)
    assert "refused this call's record" in str(failed[0]) and "violates check" in str(failed[0])
    assert _tools(log) == sorted(f"t{i:02d}" for i in range(20) if i != 7)
    assert 1 in log.attempts and max(log.attempts) == 20  # one batch, then split down to the one record
    assert len(log.attempts) < 20  # split in halves, not one commit per record


async def test_a_record_refused_as_it_is_is_kept_in_plain_form() -> None:
    """A backend that takes only ASCII still gets the record: every text escaped, arguments as one string."""
    log = RefusingLog(
        lambda row: ValueError("not ascii") if not all(v.isascii() for v in row if isinstance(v, str)) else None
    )
    await asyncio.gather(
        log.write(make_record(1, tool="plain")),
        log.write(make_record(2, tool="caf\u00e9", arguments={"note": "\u00e9t\u00e9"})),
    )
    assert _tools(log) == ["caf\\xe9", "plain"]
    (kept,) = [row for row in log.rows if row[4] != "plain"]
    assert orjson.loads(kept[5]) == {UNSTORABLE: '{"note":"\\xe9t\\xe9"}'}


async def test_a_store_that_is_down_is_retried_whole_then_reported() -> None:
    down = {"yes": True}
    log = RefusingLog(lambda row: ConnectionRefusedError("connection refused") if down["yes"] else None)
    results = await asyncio.gather(*(log.write(make_record(i)) for i in range(8)), return_exceptions=True)
    assert all(isinstance(r, StoreUnavailable) and "cannot be written" in str(r) for r in results)
    assert log.attempts[0] == 8 and all(n == 8 for n in log.attempts)  # never split: it is not the records
    assert len(log.attempts) == 4  # the first try and three retries
    down["yes"] = False
    await log.write(make_record(9))
    assert len(log.rows) == 1


async def test_a_store_back_during_the_retries_commits_everything() -> None:
    tries = {"n": 0}

    def flaky(row: Row) -> BaseException | None:
        return OSError("disk hiccup") if tries["n"] < 2 else None

    log = RefusingLog(flaky)
    real = log._commit

    async def counting(rows: list[Row]) -> None:
        try:
            await real(rows)
        finally:
            tries["n"] += 1

    log._commit = counting  # type: ignore[method-assign]
    await asyncio.gather(*(log.write(make_record(i)) for i in range(5)))
    assert len(log.rows) == 5


@pytest.mark.parametrize("arguments", [{"n": 2**70}, {"n": float("nan")}, {"s": {1, 2}}])
async def test_arguments_no_json_encoder_takes_still_make_a_record(arguments: dict[str, Any]) -> None:
    log = RefusingLog(lambda row: None)
    await log.write(make_record(1, arguments=arguments))
    assert len(log.rows) == 1 and isinstance(orjson.loads(log.rows[0][5]), dict)
