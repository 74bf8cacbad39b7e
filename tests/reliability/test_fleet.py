"""Three replicas behind nginx behave as one gateway, under load and through faults.

Short form here (run by the test command); set ``PORTCULLIS_RELIABILITY_SECONDS`` (say 600) for the
long form. Every loop is bounded in count and time; everything listens on 127.0.0.1. Each test prints
one line of figures (``-s`` shows them); the README's fleet table comes from such a run.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.e2e.support import gateway_folder
from tests.e2e.test_audit_spool import table, via
from tests.harness import FIXTURE_SERVER, LOCALHOST, child_pids, stdio_server
from tests.limits.test_redis_outage import own_redis
from tests.reliability.fleet import Fleet, LoadReport, call_once, load, running_fleet
from tests.tcpfault import tcp_fault
from tests.waiting import SLOW_WAIT, WAIT, until

__all__ = ["own_redis", "table"]  # fixtures: a redis-server of the test's own; a PostgreSQL table dropped after

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

SECONDS = float(os.environ.get("PORTCULLIS_RELIABILITY_SECONDS", "8"))
AGENTS = 200
ALLOW: dict[str, Any] = {"version": "1", "default": "allow"}


SECRET_ENV = {"PORTCULLIS_SESSION_SECRET": "fleet-test-secret-" + "0123456789abcdef" * 2}


def fleet_config(folder: Path, policy: dict[str, Any], store: str, audit: str, table: str, **extra: Any) -> Path:
    """Every replica's config: the store, the audit table, and the fleet's session secret (from the
    environment, as a deployment would have it: ``running_fleet(..., env=SECRET_ENV)``)."""
    return gateway_folder(
        folder,
        policy,
        store=store,
        audit=audit,
        audit_options={"table": table, "commit_timeout": "2s"},
        drain_timeout="30s",
        session_secret="${PORTCULLIS_SESSION_SECRET}",
        **extra,
    )


async def audited_numbers(dsn: str, table: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(f"SELECT arguments FROM {table} WHERE tool = 'add' AND outcome = 'ok' ORDER BY id")
    finally:
        await conn.close()
    numbers = [json.loads(r["arguments"])["a"] for r in rows]
    return [n for n in numbers if n >= 0]  # the load's calls, not the probes


def rss_kb(fleet: Fleet) -> list[int]:
    out = []
    for proc in fleet.replicas:
        if proc is not None:
            status = Path(f"/proc/{proc.process.pid}/status").read_text()
            out.append(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))))
    return out


def spooled(port: int) -> int:
    with urllib.request.urlopen(f"http://{LOCALHOST}:{port}/healthz", timeout=WAIT) as answer:
        records: int = json.load(answer)["audit"]["spooled"]["records"]
        return records


def assert_all_audited(report: LoadReport, audited: list[int]) -> None:
    missing = set(report.answered) - set(audited)
    assert not missing, f"{len(missing)} answered call(s) missing from the audit, e.g. {sorted(missing)[:5]}"


async def test_load_through_the_balancer_answers_every_call_and_audits_it(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    """200 agents, half of them legacy clients each keeping one session, through nginx without stickiness."""
    config = fleet_config(
        tmp_path, ALLOW, f"{redis_url}?prefix=fleet-{table}:", postgres_dsn, table, sessions_per_key=4 * AGENTS
    )
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        await load(fleet.url, agents=20, seconds=0, calls_per_agent=2, legacy=10)  # warm every path up
        before = rss_kb(fleet)
        report = await load(fleet.url, agents=AGENTS, seconds=SECONDS, legacy=AGENTS // 2)
        after = rss_kb(fleet)
    print(
        "\n"
        + report.row(f"load, {AGENTS} agents ({report.sessions} legacy sessions), 3 replicas")
        + f"; RSS KB before {before}, after {after}"
    )
    assert report.sessions == AGENTS // 2
    assert report.errors == 0 and report.denied == 0
    assert report.calls > AGENTS
    assert_all_audited(report, await audited_numbers(postgres_dsn, table))
    assert all(a < b * 1.5 + 50_000 for b, a in zip(before, after, strict=True)), (before, after)


async def test_a_limit_shared_by_the_fleet_allows_exactly_its_max(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    limit = 57
    policy = {
        "version": "1",
        "default": "allow",
        "tools": {"fx__add": {"limits": [{"counter": "adds", "window": "hour", "max": limit, "scope": "global"}]}},
    }
    config = fleet_config(tmp_path, policy, f"{redis_url}?prefix=fleet-{table}:", postgres_dsn, table)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        report = await load(fleet.url, agents=AGENTS, seconds=SLOW_WAIT, calls_per_agent=1)
    print("\n" + report.row(f"limit max {limit}, {AGENTS} concurrent callers"))
    assert report.errors == 0
    assert report.calls == limit
    assert report.denied == AGENTS - limit


async def test_a_replica_killed_under_load_loses_no_answered_call(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    config = fleet_config(tmp_path, ALLOW, f"{redis_url}?prefix=fleet-{table}:", postgres_dsn, table)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        running = asyncio.create_task(load(fleet.url, agents=50, seconds=SECONDS + 4))
        await until(lambda: _progress(fleet.url), "calls flow through the balancer", SLOW_WAIT)
        fleet.kill(1)
        report = await running
        fleet.start(1)
        after = await call_once_ok(fleet.url)
    print("\n" + report.row("replica SIGKILLed under load"))
    assert report.errors == 0, "agents retried a failed call up to 3 times; some still failed"
    assert after
    assert_all_audited(report, await audited_numbers(postgres_dsn, table))


async def test_a_replica_stopped_with_sigterm_fails_no_call(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    config = fleet_config(tmp_path, ALLOW, f"{redis_url}?prefix=fleet-{table}:", postgres_dsn, table)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        running = asyncio.create_task(load(fleet.url, agents=50, seconds=SECONDS + 4))
        await until(lambda: _progress(fleet.url), "calls flow through the balancer", SLOW_WAIT)
        status = await asyncio.to_thread(fleet.stop, 2)
        report = await running
    print("\n" + report.row("replica stopped with SIGTERM under load") + f"; its exit status {status}")
    assert report.errors == 0
    assert_all_audited(report, await audited_numbers(postgres_dsn, table))


async def test_postgres_unreachable_under_load_then_back_loses_and_doubles_nothing(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    parts = urlsplit(postgres_dsn)
    with tcp_fault(parts.hostname or LOCALHOST, parts.port or 5432) as relay:
        config = fleet_config(
            tmp_path, ALLOW, f"{redis_url}?prefix=fleet-{table}:", via(postgres_dsn, relay.port), table
        )
        with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
            running = asyncio.create_task(load(fleet.url, agents=50, seconds=SECONDS + 4))
            await until(lambda: _progress(fleet.url), "calls flow through the balancer", SLOW_WAIT)
            relay.cut()
            await until(lambda: sum(spooled(p) for p in fleet.ports) > 0, "records spooled", SLOW_WAIT)
            backlog = sum(spooled(p) for p in fleet.ports)
            relay.restore()
            report = await running
            await until(lambda: sum(spooled(p) for p in fleet.ports) == 0, "every spool replayed", SLOW_WAIT)
    audited = await audited_numbers(postgres_dsn, table)
    print("\n" + report.row("PostgreSQL cut under load, then back") + f"; spooled at most {backlog}")
    assert report.errors == 0
    assert sorted(audited) == sorted(report.answered)  # every answered call once: nothing lost or doubled


async def test_redis_stopped_fails_closed_and_restarted_serves_again(
    tmp_path: Path, postgres_dsn: str, table: str, own_redis: tuple[int, list[subprocess.Popen[bytes]]]
) -> None:
    port, procs = own_redis
    policy = {
        "version": "1",
        "default": "allow",
        "tools": {"fx__add": {"limits": [{"counter": "adds", "window": "hour", "max": 100000, "scope": "grant"}]}},
    }
    config = fleet_config(tmp_path, policy, f"redis://127.0.0.1:{port}/0", postgres_dsn, table)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        assert await call_once_ok(fleet.url)
        procs[0].kill()
        procs[0].wait()
        denied = await call_result(fleet.url)
        assert denied.get("isError") is True
        assert "unreachable" in denied["content"][0]["text"], denied
        from tests.limits.test_redis_outage import _start

        procs.append(_start(port, tmp_path))
        await until(lambda: call_result_ok(fleet.url), "calls pass once Redis is back", SLOW_WAIT)


# -- helpers -------------------------------------------------------------------------------------


async def call_result(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=WAIT) as http:
        final = await call_once(http, url, "fx__add", {"a": -1, "b": 1})  # a probe: -1 tells it from the load
    result: dict[str, Any] = final["result"]
    return result


async def call_once_ok(url: str) -> bool:
    result = await call_result(url)
    return result.get("isError") is not True


async def call_result_ok(url: str) -> bool:
    """Whether a probe call passes now (a transport error or a JSON-RPC error answer: not yet)."""
    try:
        return await call_once_ok(url)
    except (httpx.HTTPError, KeyError):
        return False


async def negate(check: Any) -> bool:
    return not await check


async def _progress(url: str) -> bool:
    """Whether a call goes through the balancer now (the load is running beside it)."""
    return await call_result_ok(url)


async def test_an_upstream_killed_then_hung_under_load_is_survived(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    # A short call timeout so a stuck upstream answers (with an error the agent retries) in seconds.
    servers = {"fx": stdio_server(FIXTURE_SERVER, timeout="3s", startup_timeout=SLOW_WAIT)}
    config = fleet_config(tmp_path, ALLOW, f"{redis_url}?prefix=fleet-{table}:", postgres_dsn, table, servers=servers)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        running = asyncio.create_task(load(fleet.url, agents=30, seconds=SECONDS + 8, retries=8, retry_errors=True))
        await until(lambda: _progress(fleet.url), "calls flow through the balancer", SLOW_WAIT)
        first, second = fleet.replicas[:2]
        assert first is not None and second is not None
        (killed,) = child_pids(first.process.pid)
        os.kill(killed, signal.SIGKILL)  # replica 0's upstream dies
        await until(
            lambda: child_pids(first.process.pid) not in ([], [killed]), "replica 0 restarted its upstream", SLOW_WAIT
        )
        (stuck,) = child_pids(second.process.pid)
        os.kill(stuck, signal.SIGSTOP)  # replica 1's upstream stops answering
        try:
            direct = f"http://{LOCALHOST}:{fleet.ports[1]}/mcp"
            await until(
                lambda: negate(call_result_ok(direct)), "replica 1 answers its stuck upstream's calls with an error"
            )
            await until(lambda: _progress(fleet.url), "calls still flow while an upstream is stuck", SLOW_WAIT)
        finally:
            os.kill(stuck, signal.SIGCONT)
        report = await running
    print("\n" + report.row("an upstream killed, another hung, under load"))
    assert report.errors == 0, "agents retried each failed call up to 8 times; some still failed"
    assert_all_audited(report, await audited_numbers(postgres_dsn, table))
