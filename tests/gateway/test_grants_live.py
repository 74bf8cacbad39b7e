"""Issue 8.4 and 8.5: a grant change reaches sessions already open, and a keyed gateway never turns anonymous.

- A legacy HTTP session and a stdio pipe opened under a grant are decided, request by request, with the
  grant as it is in the config now: its servers, its policy, its existence (a removed grant's key gets
  401 over HTTP, an "Unauthorized" error over stdio).
- A gateway that started with grants refuses everyone once the grants are emptied (``keys revoke`` of
  the last one), anonymous callers included; ``grants: []`` in a config means the same from the start.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.support import KEY_A, KEY_B, cli, digest, until, write_policy
from tests.gateway import proc
from tests.gateway.test_stdio_downstream import Pipe
from tests.gateway.wire import LegacySession
from tests.harness import FIXTURE_SERVER, running_gateway, stdio_server, write_config

OPEN = {"version": "1", "default": "deny", "tools": {"echo": {}}}  # echo on every server
STRICT = {"version": "1", "default": "deny", "tools": {"fx__echo": {"action": "deny", "reason": "Echo is off"}}}
SERVERS = {"fx": stdio_server(FIXTURE_SERVER), "fy": stdio_server(FIXTURE_SERVER)}


def grant(name: str, key: str, policy: str, servers: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "key_sha256": digest(key), "policy": policy}
    if servers is not None:
        entry["servers"] = servers
    return entry


def policies(folder: Path) -> None:
    write_policy(folder / "open.json", OPEN)
    write_policy(folder / "strict.json", STRICT)


def echo(session: LegacySession, name: str) -> dict[str, Any]:
    return session.call("tools/call", {"name": name, "arguments": {"text": "hi"}})


async def test_a_changed_grant_applies_to_an_open_http_session(tmp_path: Path) -> None:
    policies(tmp_path)
    both = [grant("agent-a", KEY_A, "open.json", ["fx", "fy"]), grant("agent-b", KEY_B, "open.json")]
    config = write_config(tmp_path / "portcullis.yaml", SERVERS, grants=both)
    with running_gateway(config) as gw, httpx.Client(headers={"Authorization": f"Bearer {KEY_A}"}, timeout=30) as http:
        session = LegacySession(http, gw.url)
        assert echo(session, "fy__echo")["result"].get("isError") is not True

        # The operator narrows the grant: fx only, under a policy that switches echo off.
        write_config(
            config,
            SERVERS,
            grants=[grant("agent-a", KEY_A, "strict.json", ["fx"]), grant("agent-b", KEY_B, "open.json")],
        )

        async def narrowed() -> dict[str, Any] | None:
            got = await asyncio.to_thread(echo, session, "fy__echo")
            return got if "error" in got else None

        refused = await until(narrowed, "the open session sees the grant's new servers")
        assert refused["error"]["code"] == -32602 and "Unknown tool" in refused["error"]["message"]
        denied = echo(session, "fx__echo")["result"]
        assert denied["isError"] is True and "Echo is off" in denied["content"][0]["text"]
        listed = [t["name"] for t in session.call("tools/list")["result"]["tools"]]
        assert listed and not [n for n in listed if n.startswith("fy__")], listed

        # The grant is removed: the session's next request is refused with 401.
        write_config(config, SERVERS, grants=[grant("agent-b", KEY_B, "open.json")])

        async def refused_401() -> bool:
            resp = await asyncio.to_thread(session.post, "tools/list")
            return resp.status_code == 401

        await until(refused_401, "a removed grant's key gets 401 on its next request")


async def test_a_changed_grant_applies_to_an_open_stdio_pipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policies(tmp_path)
    monkeypatch.setenv("PORTCULLIS_KEY", KEY_A)
    servers = {"fx": proc.fixture("fx"), "fy": proc.fixture("fy")}
    others = [grant("agent-b", KEY_B, "open.json")]
    with proc.stdio_gateway(
        tmp_path, servers, policy="open.json", grants=[grant("agent-a", KEY_A, "open.json", ["fx", "fy"]), *others]
    ) as gateway:
        pipe = Pipe(gateway)
        pipe.request(
            0,
            "initialize",
            {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
        )
        ids = iter(range(1, 10_000))

        def call(name: str) -> dict[str, Any]:
            return pipe.request(next(ids), "tools/call", {"name": name, "arguments": {"text": "hi"}})

        assert "result" in call("fy__echo")
        proc.write_config(
            tmp_path, servers, policy="open.json", grants=[grant("agent-a", KEY_A, "strict.json", ["fx"]), *others]
        )

        async def narrowed() -> dict[str, Any] | None:
            got = await asyncio.to_thread(call, "fy__echo")
            return got if "error" in got else None

        assert (await until(narrowed, "the pipe sees the grant's new servers"))["error"]["code"] == -32602
        assert call("fx__echo")["result"]["isError"] is True

        proc.write_config(tmp_path, servers, policy="open.json", grants=others)

        async def revoked() -> dict[str, Any] | None:
            got = await asyncio.to_thread(call, "fx__echo")
            return got if "Unauthorized" in str(got.get("error")) else None

        await until(revoked, "a removed grant's key is refused on its next stdio request")


def test_emptied_grants_refuse_everyone_and_never_turn_anonymous(tmp_path: Path) -> None:
    policies(tmp_path)
    config = write_config(
        tmp_path / "portcullis.yaml",
        {"fx": stdio_server(FIXTURE_SERVER)},
        policy="open.json",
        grants=[grant("agent-a", KEY_A, "open.json")],
    )
    with running_gateway(config) as gw:

        def status(key: str | None) -> int:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            with httpx.Client(headers=headers, timeout=30) as http:
                return http.post(
                    gw.url,
                    json={
                        "jsonrpc": "2.0",
                        "id": 1,
                        "method": "initialize",
                        "params": {
                            "protocolVersion": "2025-11-25",
                            "capabilities": {},
                            "clientInfo": {"name": "t", "version": "0"},
                        },
                    },
                    headers={"accept": "application/json, text/event-stream"},
                ).status_code

        assert status(KEY_A) == 200 and status(None) == 401
        revoked = cli(tmp_path, "keys", "revoke", "agent-a")
        assert revoked.returncode == 0, revoked.stderr
        assert "No grants remain: every agent key is refused" in revoked.stderr
        listed = cli(tmp_path, "keys", "list", "--json")
        assert listed.returncode == 0 and listed.stdout.strip() == "[]", listed
        asyncio.run(until(lambda: asyncio.to_thread(lambda: status(KEY_A) == 401), "the revoked key is refused"))
        assert status(None) == 401  # and nobody got in anonymously meanwhile
        assert "every agent key is refused" in gw.stderr()
        assert (
            "so every caller is refused until a key is created with 'portcullis keys create NAME --policy FILE'"
            in gw.stderr()
        )

    # Restarted on the emptied list, the gateway still wants keys (a config without 'grants' would not).
    with running_gateway(config) as gw, httpx.Client(timeout=30) as http:
        assert http.post(gw.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}).status_code == 401
