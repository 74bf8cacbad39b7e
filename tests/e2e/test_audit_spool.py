"""The audit survives its database: with PostgreSQL unreachable or hanging, calls are answered, their
records wait in the local spool, and they reach the table in order, once each, when it is back.

The machine's PostgreSQL serves other tests, so it is never stopped: the gateway reaches it through a
``TcpFault`` relay the test cuts (connections reset and refused) or hangs (nothing forwarded).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.e2e.support import KEY_A, WAIT, connect, gateway_folder, text_of
from tests.harness import Proc, running_gateway
from tests.tcpfault import TcpFault, tcp_fault
from tests.waiting import SLOW_WAIT, until

pytestmark = pytest.mark.postgres

POLICY: dict[str, Any] = {"version": "1", "default": "allow"}


def via(dsn: str, port: int) -> str:
    """``dsn`` with its host and port replaced by the relay's."""
    parts = urlsplit(dsn)
    user = parts.netloc.rpartition("@")[0]
    netloc = f"{user}@127.0.0.1:{port}" if user else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def table(postgres_dsn: str) -> Iterator[str]:
    """A PostgreSQL table name of this test's own; the table is dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name

    async def drop() -> None:
        conn = await asyncpg.connect(postgres_dsn)
        try:
            await conn.execute(f"DROP TABLE IF EXISTS {name}")
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture
def relay(postgres_dsn: str) -> Iterator[TcpFault]:
    parts = urlsplit(postgres_dsn)
    with tcp_fault(parts.hostname or "127.0.0.1", parts.port or 5432) as fault:
        yield fault


def folder_for(tmp_path: Path, dsn: str, table: str, **options: Any) -> Path:
    audit_options = {"table": table, "spool": str(tmp_path / "spool"), "commit_timeout": "1s", **options}
    return gateway_folder(tmp_path, POLICY, audit=dsn, audit_options=audit_options)


def health(gw: Proc) -> dict[str, Any]:
    with urllib.request.urlopen(f"{gw.base_url}/healthz", timeout=WAIT) as answer:
        body: dict[str, Any] = json.load(answer)
        return body


def spooled(gw: Proc) -> int:
    backlog: int = health(gw)["audit"]["spooled"]["records"]
    return backlog


def metric(gw: Proc, name: str) -> float:
    with urllib.request.urlopen(f"{gw.base_url}/metrics", timeout=WAIT) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


async def stored(dsn: str, table: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(f"SELECT id, record_id, tool, arguments, outcome FROM {table} ORDER BY id"))
    finally:
        await conn.close()


async def add(session: Any, n: int) -> None:
    result = await asyncio.wait_for(session.call_tool("fx__add", {"a": n, "b": 0}), WAIT)
    assert result.is_error is not True, text_of(result)
    assert text_of(result) == str(n)


def numbers(rows: list[asyncpg.Record]) -> list[int]:
    return [json.loads(r["arguments"])["a"] for r in rows]


async def test_calls_are_answered_while_postgres_is_down_and_every_record_arrives_once_in_order(
    tmp_path: Path, postgres_dsn: str, table: str, relay: TcpFault
) -> None:
    config = folder_for(tmp_path, via(postgres_dsn, relay.port), table)
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as agent:
            for n in range(3):
                await add(agent, n)  # straight into the table
            assert spooled(gw) == 0

            relay.cut()
            for n in range(3, 23):
                await add(agent, n)  # answered all the same
            assert spooled(gw) == 20
            assert metric(gw, "portcullis_audit_spool_records") == 20
            assert health(gw)["audit"]["spooled"]["oldest_age_seconds"] >= 0

            relay.restore()
            await until(lambda: spooled(gw) == 0, "the spool replayed into PostgreSQL", SLOW_WAIT)
            await add(agent, 23)  # and straight into the table again
        log = gw.stderr()

    rows = await stored(postgres_dsn, table)
    assert numbers(rows) == list(range(24))  # every answered call, in the order it was answered
    assert len({r["record_id"] for r in rows}) == 24  # each once
    assert "audit records go to the spool" in log


async def test_a_hanging_database_costs_a_call_at_most_the_commit_timeout(
    tmp_path: Path, postgres_dsn: str, table: str, relay: TcpFault
) -> None:
    config = folder_for(tmp_path, via(postgres_dsn, relay.port), table)
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as agent:
            await add(agent, 0)
            relay.hang()  # connections stay open, nothing comes back
            for n in range(1, 6):
                await add(agent, n)
            assert spooled(gw) == 5
            relay.cut()  # the stuck connections go; the replay needs new ones
            relay.restore()
            await until(lambda: spooled(gw) == 0, "the spool replayed into PostgreSQL", SLOW_WAIT)

    rows = await stored(postgres_dsn, table)
    assert numbers(rows) == list(range(6))


async def test_a_gateway_killed_during_the_outage_leaves_its_spool_to_the_next(
    tmp_path: Path, postgres_dsn: str, table: str, relay: TcpFault
) -> None:
    config = folder_for(tmp_path, via(postgres_dsn, relay.port), table)
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as agent:
            await add(agent, 0)
            relay.cut()
            for n in range(1, 8):
                await add(agent, n)
            assert spooled(gw) == 7
        os.kill(gw.process.pid, signal.SIGKILL)  # no flush, no goodbye
        gw.process.wait(timeout=WAIT)

    relay.restore()
    with running_gateway(config) as again:  # takes the dead process's spool and replays it
        await until(lambda: spooled(again) == 0, "the spool left by the killed gateway replayed", SLOW_WAIT)

    rows = await stored(postgres_dsn, table)
    assert numbers(rows) == list(range(8))
    assert len({r["record_id"] for r in rows}) == 8
