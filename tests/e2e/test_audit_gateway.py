"""Issue 5 end to end: the audit trail of a running ``portcullis serve``, in SQLite and the real PostgreSQL.

Each test runs the real gateway in front of the fixture server, drives it with the ``mcp`` SDK's
client (or raw HTTP for load), and reads the trail back with ``portcullis audit --json`` run as
another process, as an operator would.

- Every path through the gateway leaves a record: allowed, denied (a rule and the default), hidden,
  rate-limited, held for approval and then approved, and upstream failures (a tool error, a broken
  result, a timeout, an upstream that died) — each with its decision, rule, reason and outcome.
- ``kill -9`` of the gateway under load: every call the client got an answer for is in the trail.
- Secrets in arguments (a ``password``, an ``api_key``, a ``Bearer …`` string) reach neither the audit
  store, the approval store, nor the gateway's log (stderr, at debug level).
- ``portcullis audit --json`` filters by tool, server, grant, decision, outcome and time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from mcp.shared.exceptions import MCPError

from tests.e2e.support import (
    KEY_A,
    KEY_B,
    WAIT,
    cli,
    cli_json,
    connect,
    gateway_folder,
    pending_id,
    text_of,
)
from tests.harness import MODERN, Proc, running_gateway
from tests.waiting import SLOW_WAIT

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "hide": ["fx__stderr"],
    "tools": {
        "fx__echo": {},
        "fx__structured": {"action": "deny", "reason": "Structured sums are off today"},
        "fx__add": {"action": "require_approval", "reason": "Adding needs a person"},
        "fx__noop_01": {"rate_limit": "1/minute"},
        "fx__mutate_description": {},
        "fx__bad_result": {},
        "fx__sleep": {},
        "fx__crash": {},
    },
}
PASSWORD = "hunter2-e2e-password-value"
API_KEY = "e2e-api-key-value-4242424242"
BEARER = "Bearer e2eBearerTokenValue0123456789"
SECRETS = (PASSWORD, API_KEY, "e2eBearerTokenValue0123456789")


@pytest.fixture(params=["sqlite", "postgresql"])
def audit_config(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The ``audit`` (and ``audit_options``) keys of a config: a SQLite file, or a table of its own in PostgreSQL."""
    if request.param == "sqlite":
        yield {"audit": "sqlite:///audit.db"}
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    table = f"e2e_audit_{uuid.uuid4().hex[:12]}"
    yield {"audit": dsn, "audit_options": {"table": table}}

    async def drop() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"DROP TABLE IF EXISTS {table}")
        finally:
            await conn.close()

    asyncio.run(drop())


async def stored_text(folder: Path, audit: dict[str, Any]) -> str:
    """Everything the audit store holds, as text: the SQLite files beside the config, or the PostgreSQL table."""
    table = audit.get("audit_options", {}).get("table")
    if table is None:
        return "".join(p.read_bytes().decode("latin-1") for p in folder.glob("audit.db*"))
    conn = await asyncpg.connect(audit["audit"])
    try:
        rows = await conn.fetch(f"SELECT t::text AS row FROM {table} t")
    finally:
        await conn.close()
    return "\n".join(r["row"] for r in rows)


def records(folder: Path, *filters: str) -> list[dict[str, Any]]:
    """``portcullis audit --json FILTERS`` run in ``folder``."""
    found: list[dict[str, Any]] = cli_json(folder, "audit", "--limit", "10000", *filters)
    return found


def by_tool(found: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in found:
        out.setdefault(r["tool"], []).append(r)
    return out


async def test_every_path_through_the_gateway_is_audited(tmp_path: Path, audit_config: dict[str, Any]) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": 0.2, "progress_interval": 0.1}, **audit_config)
    _with_timeout(config, 2)
    started = time.time()
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as a:
            assert text_of(await a.call_tool("fx__echo", {"text": "hello"})) == "hello"  # allowed
            assert (await a.call_tool("fx__structured", {"a": 1, "b": 2})).is_error  # denied
            assert (await a.call_tool("fx__noop_02", {})).is_error  # default
            with pytest.raises(MCPError, match="Unknown tool: fx__stderr"):  # hidden
                await a.call_tool("fx__stderr", {"text": "x"})
            assert not (await a.call_tool("fx__noop_01", {})).is_error
            assert (await a.call_tool("fx__noop_01", {})).is_error  # limited
            approval = pending_id(await a.call_tool("fx__add", {"a": 1, "b": 1}))  # held
            assert cli(tmp_path, "approvals", "approve", approval, "--as", "dora").returncode == 0
            assert text_of(await a.call_tool("fx__add", {"a": 1, "b": 1})) == "2"  # approved
            assert (
                await a.call_tool(
                    "fx__mutate_description",  # tool error
                    {"name": "nope", "description": "x"},
                )
            ).is_error
            with pytest.raises(MCPError):  # broken
                await a.call_tool("fx__bad_result", {"kind": "content_not_list"})
            with pytest.raises(MCPError, match=r"(?i)time"):  # timeout
                await a.call_tool("fx__sleep", {"seconds": 5, "tag": "slow"})
            async with connect(gw.url, KEY_B, mode=MODERN) as b:
                assert text_of(await b.call_tool("fx__echo", {"text": "from b"})) == "from b"
            with pytest.raises(MCPError):  # died
                await a.call_tool("fx__crash", {"code": 3})

    found = by_tool(records(tmp_path))

    def only(tool: str) -> dict[str, Any]:
        assert len(found.get(tool, [])) == 1, found.get(tool)
        return found[tool][0]

    def shape(r: dict[str, Any]) -> tuple[Any, ...]:
        return r["grant"], r["server"], r["decision"], r["outcome"]

    echo = [r for r in found["echo"] if r["grant"] == "agent-a"]
    assert [shape(r) for r in echo] == [("agent-a", "fx", "allow", "ok")]
    assert echo[0]["arguments"] == {"text": "hello"} and echo[0]["rule"] == "$.tools.fx__echo"
    assert isinstance(echo[0]["latency_ms"], float) and echo[0]["session"]
    assert [shape(r) for r in found["echo"] if r["grant"] == "agent-b"] == [("agent-b", "fx", "allow", "ok")]

    denied = only("structured")
    assert shape(denied) == ("agent-a", "fx", "deny", "denied")
    assert denied["reason"] == "Structured sums are off today" and denied["latency_ms"] is None
    assert shape(only("noop_02")) == ("agent-a", "fx", "deny", "denied")
    assert only("noop_02")["rule"].startswith("$.default")
    assert shape(only("stderr")) == ("agent-a", "fx", "hide", "hidden")
    assert [shape(r) for r in found["noop_01"]] == [
        ("agent-a", "fx", "allow", "ok"),
        ("agent-a", "fx", "limit", "denied"),
    ]

    held, passed = found["add"]
    assert shape(held) == ("agent-a", "fx", "require_approval", "pending")
    assert held["approval_id"] == approval and f"pending approval {approval}" in held["reason"]
    assert shape(passed) == ("agent-a", "fx", "approved", "ok")
    assert passed["approval_id"] == approval and passed["approver"] == "dora"

    assert shape(only("mutate_description")) == ("agent-a", "fx", "allow", "tool_error")
    assert shape(only("bad_result")) == ("agent-a", "fx", "allow", "protocol_error")
    assert shape(only("sleep")) == ("agent-a", "fx", "allow", "timeout")
    assert shape(only("crash")) == ("agent-a", "fx", "allow", "unavailable")

    # The same trail through the filters of `portcullis audit`, from another process.
    assert {r["tool"] for r in records(tmp_path, "--decision", "deny")} == {"structured", "noop_02"}
    assert {r["tool"] for r in records(tmp_path, "--outcome", "denied")} == {"structured", "noop_02", "noop_01"}
    assert [r["approval_id"] for r in records(tmp_path, "--outcome", "pending")] == [approval]
    assert [r["grant"] for r in records(tmp_path, "--grant", "agent-b")] == ["agent-b"]
    assert {r["tool"] for r in records(tmp_path, "--tool", "noop_*")} == {"noop_01", "noop_02"}
    assert len(records(tmp_path, "--server", "fx")) == sum(len(v) for v in found.values())
    assert records(tmp_path, "--server", "other") == []
    assert records(tmp_path, "--until", str(started - 60)) == []
    assert len(records(tmp_path, "--since", "1h", "--tool", "echo")) == 2
    assert [r["tool"] for r in records(tmp_path, "--limit", "1")] == ["crash"]  # the newest one
    text = cli(tmp_path, "audit", "--decision", "approved")
    assert text.returncode == 0 and f"approval {approval} by dora" in text.stdout


def _with_timeout(config: Path, seconds: float) -> None:
    """Give the ``fx`` server of a written config a per-call timeout (its start-up keeps a generous
    one: on a busy machine the server may take longer than a call's timeout to start)."""
    import json

    document = json.loads(config.read_text())
    document["servers"]["fx"]["timeout"] = seconds
    document["servers"]["fx"]["startup_timeout"] = SLOW_WAIT
    config.write_text(json.dumps(document, indent=2))


async def test_secrets_reach_neither_the_stores_nor_the_log(tmp_path: Path, audit_config: dict[str, Any]) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": 0.2, "progress_interval": 0.1}, **audit_config)
    secret_args = {
        "text": f"Authorization: {BEARER}",
        "password": PASSWORD,
        "api_key": API_KEY,
        "nested": {"client_secret": PASSWORD, "note": f"use {BEARER} please"},
    }
    with running_gateway(config, extra_args=["--log-level", "debug"]) as gw:
        async with connect(gw.url, KEY_A) as a:
            echoed = await a.call_tool("fx__echo", secret_args)
            assert text_of(echoed) == secret_args["text"]  # the upstream got the real arguments
            assert pending_id(await a.call_tool("fx__add", {"a": 5, "b": 5, "password": PASSWORD}))
            assert (await a.call_tool("fx__structured", {"a": 1, "b": 2, "api_key": API_KEY})).is_error
        log = gw.stderr()
    assert "approval requested" in log  # the log did see these calls
    for secret in SECRETS:
        assert secret not in log, f"{secret!r} is in the gateway's log"
    stored = await stored_text(tmp_path, audit_config)
    assert "[REDACTED]" in stored
    approvals = "".join(p.read_bytes().decode("latin-1") for p in tmp_path.glob("portcullis.db*"))
    for secret in SECRETS:
        assert secret not in stored, f"{secret!r} is in the audit store"
        assert secret not in approvals, f"{secret!r} is in the approval store"

    (echo,) = records(tmp_path, "--tool", "echo")
    assert echo["arguments"] == {
        "text": "Authorization: [REDACTED]",
        "password": "[REDACTED]",
        "api_key": "[REDACTED]",
        "nested": {"client_secret": "[REDACTED]", "note": "use [REDACTED] please"},
    }
    (add,) = records(tmp_path, "--tool", "add")
    assert add["arguments"] == {"a": 5, "b": 5, "password": "[REDACTED]"}
    listed = cli(tmp_path, "approvals", "list", "--json")
    assert PASSWORD not in listed.stdout and "[REDACTED]" in listed.stdout


# -- kill -9 under load --------------------------------------------------------------------------


def _call(text: str) -> tuple[dict[str, str], dict[str, Any]]:
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": "tools/call",
        "Mcp-Name": "fx__echo",
        "Authorization": f"Bearer {KEY_A}",
    }
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "fx__echo", "arguments": {"text": text}, "_meta": meta},
    }
    return headers, body


async def _load(gw: Proc, answered: set[str], workers: int, stop: asyncio.Event) -> None:
    """``workers`` clients calling ``fx__echo`` back to back until ``stop`` or the gateway goes away."""

    async def worker(n: int) -> None:
        async with httpx.AsyncClient(timeout=WAIT) as http:
            for i in range(100_000):
                if stop.is_set():
                    return
                text = f"load-{n}-{i}"
                headers, body = _call(text)
                try:
                    reply = await http.post(gw.url, json=body, headers=headers)
                except httpx.HTTPError:
                    return  # the gateway is gone
                result = reply.json().get("result") if reply.status_code == 200 else None
                if result is not None and result["content"][0]["text"] == text:
                    answered.add(text)

    await asyncio.gather(*(worker(n) for n in range(workers)))


async def test_kill_9_under_load_loses_no_answered_call(tmp_path: Path, audit_config: dict[str, Any]) -> None:
    config = gateway_folder(tmp_path, POLICY, **audit_config)
    answered: set[str] = set()
    stop = asyncio.Event()
    with running_gateway(config) as gw:
        load = asyncio.create_task(_load(gw, answered, workers=8, stop=stop))
        deadline = time.monotonic() + WAIT
        while len(answered) < 300 and time.monotonic() < deadline and not load.done():
            await asyncio.sleep(0.02)
        assert len(answered) >= 300, f"only {len(answered)} calls answered under load"
        os.kill(gw.process.pid, signal.SIGKILL)  # mid-flight: calls are arriving as it dies
        gw.process.wait(timeout=WAIT)
        try:
            await asyncio.wait_for(load, WAIT)
        finally:
            stop.set()
    audited = {r["arguments"]["text"] for r in records(tmp_path, "--tool", "echo", "--limit", "100000")}
    missing = answered - audited
    assert not missing, f"{len(missing)} answered call(s) missing from the audit trail, e.g. {sorted(missing)[:5]}"
