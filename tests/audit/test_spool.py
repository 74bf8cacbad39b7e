"""The audit spool on a real disk: appended records survive a reopen, come back oldest first, and go
once replayed; a torn last line is dropped; processes sharing a folder never share a file."""

from __future__ import annotations

import json
from pathlib import Path

from portcullis.audit.spool import Spool
from tests.audit.conftest import run_script


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


_REFUSED_PARTWAY = """
import os, resource, signal, sys
from pathlib import Path
from portcullis.audit.spool import Spool

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over the limit: the write fails with EFBIG, no signal
spool = Spool(Path(sys.argv[1]))
spool.open()
assert spool.path is not None
rejected = spool.path.with_suffix(".rejected.jsonl")
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
for keep, path in ((spool.reject, rejected), (lambda r: spool.append([r]), spool.path)):
    keep([1, "x" * 10])
    resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(path) + 100, hard))  # room for part of one line
    try:
        keep([2, "y" * 1000])
    except OSError as exc:
        print("refused:", exc)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    keep([3, "z" * 10])
print("replayed:", [r[0] for r in spool.peek(10)[0]])
spool.close()
"""


def test_a_record_the_disk_refuses_partway_leaves_no_fragment(tmp_path: Path) -> None:
    """A real refusal: the process runs under a file-size limit that lets the second record's line start and
    then fails it, as a full disk would, in the spool and in the file of records set aside. The line after
    it must not run into a fragment of it (a buffered file also kept the rest and wrote it later)."""
    out = run_script(_REFUSED_PARTWAY, str(tmp_path))
    assert out.count(b"refused:") == 2  # the limit did cut the second record short, twice
    assert b"replayed: [1, 3]" in out
    (kept,) = tmp_path.glob("*.rejected.jsonl")
    assert [json.loads(line)[0] for line in kept.read_text().splitlines()] == [1, 3]
