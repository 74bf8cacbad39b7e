"""Issue 8.1 and 8.12 end to end: no agent input breaks another call's audit record, and secrets by word.

A running ``portcullis serve`` in front of the fixture server, on each real backend (SQLite, the
real PostgreSQL, JSON Lines), read back with ``portcullis audit --json`` as an operator would:

- calls carrying a NUL (in the tool name, an argument's key or value) run concurrently with plain
  calls; every call is answered as it would be without them, and every record is there, the NUL
  shown as ``␀`` on every backend (PostgreSQL cannot store NUL: today it broke the whole group commit);
- a record the store refuses anyway (a PostgreSQL ``CHECK`` constraint stands in for any such
  refusal) fails only its own call: the others of its batch are committed, and the refused one is
  reported in the log and in ``portcullis_audit_errors_total``, its answer withheld;
- redaction by key word (``auth`` but not ``author``, ``otp``, ``card``, ``sessionId``, …) and inline
  ``password=…`` in the stored arguments.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from mcp.shared.exceptions import MCPError

from portcullis.audit import open_audit
from tests.e2e.support import KEY_A, cli_json, connect, gateway_folder, text_of
from tests.harness import running_gateway

POLICY: dict[str, Any] = {"version": "1", "default": "deny", "tools": {"fx__echo": {}}}
NUL = "\x00"
SHOWN = "\u2400"  # how every backend stores a NUL


@pytest.fixture(params=["sqlite", "postgresql", "jsonl"])
def audit_config(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The ``audit`` (and ``audit_options``) keys of a config, one per real backend."""
    if request.param == "sqlite":
        yield {"audit": "sqlite:///audit.db"}
        return
    if request.param == "jsonl":
        yield {"audit": "jsonl:///audit.jsonl"}
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    table = f"e2e_integrity_{uuid.uuid4().hex[:12]}"
    yield {"audit": dsn, "audit_options": {"table": table}}
    asyncio.run(_drop(dsn, table))


async def _drop(dsn: str, table: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        await conn.close()


def _records(folder: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = cli_json(folder, "audit", "--limit", "10000")
    return found


async def test_a_nul_anywhere_breaks_no_other_calls_record(tmp_path: Path, audit_config: dict[str, Any]) -> None:
    config = gateway_folder(tmp_path, POLICY, **audit_config)
    plain = [f"plain-{i}" for i in range(24)]
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as a:

            async def unknown(name: str) -> str:
                with pytest.raises(MCPError) as caught:
                    await a.call_tool(name, {"text": "x"})
                return caught.value.error.message

            # All at once, so the odd records share group commits with the plain ones.
            answers: list[Any] = await asyncio.gather(
                *(a.call_tool("fx__echo", {"text": text}) for text in plain),
                a.call_tool("fx__echo", {"text": f"nul{NUL}in the value"}),
                a.call_tool("fx__echo", {"text": "nul in a key", f"ke{NUL}y": f"v{NUL}"}),
                unknown(f"fx__ec{NUL}ho"),
                unknown(f"fx__{NUL}"),
            )
    for text, answer in zip(plain, answers[:24], strict=True):
        assert text_of(answer) == text  # not an internal error: the record of each call was written
    assert text_of(answers[24]) == f"nul{NUL}in the value" and text_of(answers[25]) == "nul in a key"
    assert answers[26] == f"Unknown tool: fx__ec{NUL}ho" and answers[27] == f"Unknown tool: fx__{NUL}"

    found = _records(tmp_path)
    echoed = sorted(r["arguments"]["text"] for r in found if r["tool"] == "echo")
    assert echoed == sorted([*plain, f"nul{SHOWN}in the value", "nul in a key"])
    (keyed,) = [r for r in found if r["arguments"].get("text") == "nul in a key"]
    assert keyed["arguments"] == {"text": "nul in a key", f"ke{SHOWN}y": f"v{SHOWN}"} and keyed["outcome"] == "ok"
    hidden = sorted((r["tool"], r["outcome"]) for r in found if r["tool"] != "echo")
    assert hidden == sorted([(f"ec{SHOWN}ho", "hidden"), (SHOWN, "hidden")])
    assert len(found) == 28


async def test_a_record_the_store_refuses_fails_only_its_own_call(tmp_path: Path, postgres_dsn: str) -> None:
    table = f"e2e_refuse_{uuid.uuid4().hex[:12]}"
    log = await open_audit(postgres_dsn, table=table)  # the gateway's own table, then a rule it cannot meet
    await log.close()
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT no_poison CHECK (arguments::text NOT LIKE '%poison%')")
    finally:
        await conn.close()
    config = gateway_folder(tmp_path, POLICY, audit=postgres_dsn, audit_options={"table": table})
    plain = [f"plain-{i}" for i in range(20)]
    try:
        with running_gateway(config) as gw:
            async with connect(gw.url, KEY_A) as a:

                async def poisoned() -> str:
                    with pytest.raises(MCPError) as caught:
                        await a.call_tool("fx__echo", {"text": "poison"})
                    return caught.value.error.message

                answers: list[Any] = await asyncio.gather(
                    *(a.call_tool("fx__echo", {"text": t}) for t in plain[:10]),
                    poisoned(),
                    *(a.call_tool("fx__echo", {"text": t}) for t in plain[10:]),
                )
            metrics = httpx.get(f"{gw.base_url}/metrics", timeout=10).text
            log_text = gw.stderr()
        stored = sorted(r["arguments"]["text"] for r in _records(tmp_path))
    finally:
        await _drop(postgres_dsn, table)
    refused = answers.pop(10)
    assert [text_of(a) for a in answers] == plain  # committed, answered as usual
    assert stored == sorted(plain)  # each once: the batch that failed whole wrote nothing twice
    assert "could not write this call's audit record" in refused and "withholds the answer" in refused
    assert "audit record NOT written" in log_text and "fx/echo" in log_text and "no_poison" in log_text
    assert "Traceback" not in log_text
    assert "portcullis_audit_errors_total 1.0" in metrics


async def test_secret_words_and_inline_passwords_are_redacted(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY)
    arguments = {
        "text": "connect with user=ada password=hunter2-inline&db=prod",
        "auth": "s3cr3t-auth",
        "author": "Ada Lovelace",
        "x-auth-token": "tok",
        "otp": "123456",
        "otpEnabled": True,
        "card": "4111111111111111",
        "card_id": "trello-42",
        "cvv": "123",
        "ssn": "078-05-1120",
        "sessionId": "sess-123",
        "private_key": "k",
        "pwd": "p",
        "passcode": "0000",
    }
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as a:
            assert text_of(await a.call_tool("fx__echo", arguments)) == arguments["text"]
    (record,) = _records(tmp_path)
    stored = record["arguments"]
    assert stored["text"] == "connect with user=ada password=[REDACTED]&db=prod"
    assert stored["author"] == "Ada Lovelace" and stored["otpEnabled"] is True and stored["card_id"] == "trello-42"
    for key in ("auth", "x-auth-token", "otp", "card", "cvv", "ssn", "sessionId", "private_key", "pwd", "passcode"):
        assert stored[key] == "[REDACTED]", key
