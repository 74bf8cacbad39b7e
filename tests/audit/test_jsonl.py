"""The JSON Lines backend when the disk refuses an append partway.

A real refusal, no fake: the writer runs in a process of its own under a file-size limit
(``RLIMIT_FSIZE``) that lets a group commit of three records write its first bytes and then fails it
(``EFBIG``), as a full disk does with ``ENOSPC``. The limit is lifted before the audit log retries the
batch. Every record must then be in the file exactly once, on lines that all parse: before the fix,
the retry appended the whole batch after the fragment of the failed one, so the fragment ran into the
next line (that record unreadable) and the records written before the failure were stored twice.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.audit.conftest import run_script

_WRITER = """
import asyncio, logging, os, resource, signal, sys
from portcullis.audit import open_audit
from tests.audit.conftest import make_record

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over the limit: the write fails with EFBIG, no signal

async def main(path: str) -> None:
    log = await open_audit(f"jsonl:///{path}")
    await log.write(make_record(0))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(path) + 100, hard))  # room for part of one line
    # lifted before the audit log's first retry (50 ms after the failure)
    asyncio.get_running_loop().call_later(0.01, resource.setrlimit, resource.RLIMIT_FSIZE, (soft, hard))
    await asyncio.gather(*(log.write(make_record(i)) for i in (1, 2, 3)))
    await log.close()

logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="%(message)s")
asyncio.run(main(sys.argv[1]))
"""


def test_an_append_the_disk_refuses_partway_is_cut_back_and_retried_once(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    out = run_script(_WRITER, str(path))
    assert b"audit commit of 3 record(s) failed" in out  # the limit did cut the batch short
    lines = path.read_bytes().splitlines(keepends=True)
    assert all(line.endswith(b"\n") for line in lines)
    numbers = [orjson.loads(line)["arguments"]["n"] for line in lines]  # every line parses
    assert numbers == [0, 1, 2, 3]
