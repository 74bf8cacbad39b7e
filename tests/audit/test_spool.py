"""The audit spool on a real disk: appended records survive a reopen, come back oldest first, and go
once replayed; a torn last line is dropped; processes sharing a folder never share a file."""

from __future__ import annotations

import json
from pathlib import Path

from portcullis.audit.spool import Spool


def opened(folder: Path) -> Spool:
    spool = Spool(folder)
    spool.open()
    return spool


def record(n: int) -> list[object]:
    return [f"id-{n}", 1000.0 + n, "grant", "session", "fx", "add", json.dumps({"a": n})]


def test_records_come_back_oldest_first_and_go_once_consumed(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    spool.append([record(1), record(2)])
    spool.append([record(3)])
    assert spool.backlog == 3
    assert spool.oldest == 1001.0

    first, end = spool.peek(2)
    assert [r[0] for r in first] == ["id-1", "id-2"]
    spool.consumed(end, len(first))
    assert spool.backlog == 1
    assert spool.oldest == 1003.0

    rest, end = spool.peek(10)
    assert [r[0] for r in rest] == ["id-3"]
    spool.consumed(end, len(rest))
    assert spool.backlog == 0
    assert spool.oldest is None
    assert spool.path is not None and spool.path.stat().st_size == 0  # emptied once all is replayed
    spool.close()


def test_what_is_not_replayed_survives_a_restart(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    spool.append([record(1), record(2), record(3)])
    done, end = spool.peek(1)
    spool.consumed(end, len(done))
    spool.close()  # the process stops (or dies: the lock goes with it)

    again = opened(tmp_path)
    assert again.backlog == 2
    records, _ = again.peek(10)
    assert [r[0] for r in records] == ["id-2", "id-3"]
    again.close()


def test_a_torn_last_line_is_dropped(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    spool.append([record(1)])
    assert spool.path is not None
    path = spool.path
    spool.close()
    with open(path, "ab") as handle:  # a crash in the middle of a write: no newline, never acknowledged
        handle.write(b'["id-2", 1002.0, "gra')

    again = opened(tmp_path)
    assert again.backlog == 1
    records, _ = again.peek(10)
    assert [r[0] for r in records] == ["id-1"]
    again.append([record(3)])
    records, _ = again.peek(10)
    assert [r[0] for r in records] == ["id-1", "id-3"]
    again.close()


def test_two_processes_in_one_folder_use_two_files(tmp_path: Path) -> None:
    one, two = opened(tmp_path), opened(tmp_path)
    assert one.path != two.path
    one.append([record(1)])
    two.append([record(2)])
    assert [r[0] for r in one.peek(10)[0]] == ["id-1"]
    assert [r[0] for r in two.peek(10)[0]] == ["id-2"]
    one.close()
    three = opened(tmp_path)  # takes the slot the first left, with its backlog
    assert three.path == one.path
    assert three.backlog == 1
    two.close()
    three.close()


def test_a_record_set_aside_is_kept_for_a_person(tmp_path: Path) -> None:
    spool = opened(tmp_path)
    spool.reject(record(9))
    assert spool.path is not None
    kept = spool.path.with_suffix(".rejected.jsonl").read_text()
    assert '"id-9"' in kept
    spool.close()
