"""The demo's in-memory world: cursors, the ledger's rules, reports."""

from __future__ import annotations

import pytest

from portcullis.demo.state import DemoState, InvalidCursor, LedgerError, decode_cursor, encode_cursor, paginate


def test_pages_cover_every_key_once_and_end_without_cursor() -> None:
    keys = [str(i) for i in range(10)]
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        page = paginate(keys, cursor, 4)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == keys
    assert decode_cursor(encode_cursor(8)) == 8


@pytest.mark.parametrize("cursor", ["garbage", encode_cursor(99), "b2Zmc2V0Oi0x"])  # last: offset:-1
def test_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        paginate(["a", "b"], cursor, 1)


def test_ledger_moves_money_and_refuses_bad_transfers() -> None:
    state = DemoState()
    assert state.transfer("savings", "checking", 100) == {"savings": 4900.0, "checking": 1100.0}
    for source, target, amount in [
        ("savings", "nowhere", 1),
        ("savings", "savings", 1),
        ("savings", "checking", 0),
        ("checking", "savings", 10**6),
    ]:
        with pytest.raises(LedgerError):
            state.transfer(source, target, amount)
    assert state.transfers == [("savings", "checking", 100.0)]


def test_notes_and_reports() -> None:
    state = DemoState()
    assert state.write_note("x", "one two") is False and state.write_note("x", "one two three") is True
    assert state.delete_note("x") is True and state.delete_note("x") is False
    assert state.report("note_count") == "3 notes"
    with pytest.raises(ValueError):
        state.report("rm -rf")
