"""A stand-in gateway for the crash test: writes audit records under load and "answers" each one.

Run as ``python -m tests.audit.writer_proc URL [TABLE]``. Sixteen workers each write records in a loop;
after ``write()`` returns, the record's number is printed — the moment the gateway would answer the
agent. The test kills this process with SIGKILL and checks that every printed number was stored.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys

from portcullis.audit import AuditRecord, open_audit


async def main(url: str, table: str) -> None:
    log = await open_audit(url, table=table)
    counter = itertools.count()

    async def worker() -> None:
        while True:
            n = next(counter)
            await log.write(
                AuditRecord(
                    time=1_780_000_000.0 + n,
                    grant="crash",
                    session="s",
                    server="srv",
                    tool="t",
                    arguments={"n": n},
                    decision="allow",
                    rule="r",
                    reason="",
                    outcome="ok",
                    latency_ms=0.1,
                )
            )
            os.write(1, f"{n}\n".encode())

    os.write(1, b"ready\n")
    await asyncio.gather(*(worker() for _ in range(16)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "portcullis_audit"))
