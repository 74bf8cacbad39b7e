"""Issue 3 end to end: agent keys, minted by ``portcullis keys create`` and used as an agent would.

- ``keys create NAME --servers … --policy …`` prints the key once, stores only its SHA-256, and a
  gateway serving that config lets the key in (``Authorization: Bearer``), with the grant's reach
  and policy; a key created without ``--policy`` gets every call denied.
- ``portcullis stdio`` takes the key from ``PORTCULLIS_KEY``: each key gets its own grant's reach,
  policy and counters; a missing or unknown key stops it (exit 2) with a message saying what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.support import (
    all_tool_names,
    assert_denied,
    assert_passed,
    cli,
    connect,
    protocol_error,
    text_of,
    until,
    write_policy,
)
from tests.harness import (
    FIXTURE_SERVER,
    MODERN,
    PYTHON,
    legacy_client,
    modern_client,
    running_gateway,
    stdio_server,
    write_config,
)

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "echo": {},
        "fx__noop_01": {"limits": [{"counter": "per_session", "window": "hour", "max": 1, "scope": "session"}]},
    },
}


def two_server_config(folder: Path) -> Path:
    write_policy(folder / "policy.json", POLICY)
    return write_config(
        folder / "portcullis.yaml", {"fx": stdio_server(FIXTURE_SERVER), "fy": stdio_server(FIXTURE_SERVER)}
    )


def create_key(folder: Path, *args: str) -> str:
    made = cli(folder, "keys", "create", *args)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("pcu_") and "\n" not in key, made.stdout
    assert "shown only once" in made.stderr
    return key


async def test_a_key_from_keys_create_works_against_the_gateway(tmp_path: Path) -> None:
    config = two_server_config(tmp_path)
    alice = create_key(tmp_path, "alice", "--servers", "fx", "--policy", "policy.json")
    made = cli(tmp_path, "keys", "create", "bob", "--json")  # no policy: every call denied
    assert made.returncode == 0, made.stderr
    bob = json.loads(made.stdout)["key"]
    stored = json.loads(config.read_text())["grants"]
    assert [g["name"] for g in stored] == ["alice", "bob"]
    assert stored[0]["key_sha256"] == hashlib.sha256(alice.encode()).hexdigest()
    assert alice not in config.read_text() and bob not in config.read_text()

    with running_gateway(config) as gw:
        for mode in ("legacy", MODERN):
            async with connect(gw.url, alice, mode) as c:
                names = await all_tool_names(c)
                assert "fx__echo" in names and not [n for n in names if not n.startswith("fx__")], names
                assert_passed(await c.call_tool("fx__echo", {"text": f"alice {mode}"}), f"alice {mode}")
                assert (await protocol_error(c, "fy__echo", {"text": "x"})).error.code == -32602
                assert_denied(await c.call_tool("fx__add", {"a": 1, "b": 2}), "$.default")
            async with connect(gw.url, bob, mode) as c:
                result = await c.call_tool("fy__echo", {"text": "bob"})
                assert "grant has no policy" in assert_denied(result, "no-policy")["reason"]
        with pytest.raises(BaseException) as refused:  # the SDK reports the 401 inside exception groups
            async with connect(gw.url, alice[:-1] + ("x" if alice[-1] != "x" else "y")) as c:
                await c.list_tools()
        assert "401" in repr(refused.value) or "Unauthorized" in repr(refused.value)


async def test_a_key_created_while_the_gateway_runs_works_with_its_own_policy_file(tmp_path: Path) -> None:
    config = two_server_config(tmp_path)
    alice = create_key(tmp_path, "alice", "--policy", "policy.json")
    with running_gateway(config) as gw:
        async with connect(gw.url, alice) as c:
            assert_passed(await c.call_tool("fy__echo", {"text": "alice"}), "alice")
        # A grant with a policy file the gateway has not loaded yet.
        write_policy(tmp_path / "dave.json", {"version": "1", "default": "deny", "tools": {"fy__add": {}}})
        dave = create_key(tmp_path, "dave", "--servers", "fy", "--policy", "dave.json")

        async def accepted() -> bool:
            try:
                async with connect(gw.url, dave, MODERN) as c:
                    await c.list_tools()
            except Exception as exc:  # refused (401) until the gateway has re-read its config
                assert "401" in repr(exc) or "Unauthorized" in repr(exc), repr(exc)
                return False
            return True

        await until(accepted, "the new key is accepted by the running gateway")
        async with connect(gw.url, dave, MODERN) as c:
            names = await all_tool_names(c)
            assert names and all(name.startswith("fy__") for name in names), names
            assert_passed(await c.call_tool("fy__add", {"a": 2, "b": 3}), "5")
            assert_denied(await c.call_tool("fy__echo", {"text": "x"}), "$.default")  # dave.json, not policy.json
            assert (await protocol_error(c, "fx__add", {"a": 1, "b": 1})).error.code == -32602
        async with connect(gw.url, alice) as c:  # the keys in force before stay valid
            assert_passed(await c.call_tool("fx__echo", {"text": "still"}), "still")


async def test_a_key_minted_before_its_policy_file_exists_is_denied_until_the_file_appears(tmp_path: Path) -> None:
    config = two_server_config(tmp_path)
    alice = create_key(tmp_path, "alice", "--policy", "policy.json")
    with running_gateway(config) as gw:
        refused = cli(tmp_path, "keys", "create", "eve", "--policy", "later.json")
        assert refused.returncode == 2 and "no grant added" in refused.stderr, refused.stderr
        made = cli(tmp_path, "keys", "create", "eve", "--policy", "later.json", "--force")
        assert made.returncode == 0, made.stderr
        assert (
            "policy file later.json does not exist; a running gateway denies this key's calls until it "
            "is there" in made.stderr
        )
        eve = made.stdout.strip()

        async def denied_for_now() -> bool:
            try:
                async with connect(gw.url, eve) as c:
                    result = await c.call_tool("fx__echo", {"text": "eve"})
            except Exception as exc:  # refused (401) until the gateway has re-read its config
                assert "401" in repr(exc) or "Unauthorized" in repr(exc), repr(exc)
                return False
            meta = assert_denied(result, "no-policy")
            assert "later.json" in meta["reason"] and "every call is denied" in meta["reason"], meta
            return True

        await until(denied_for_now, "the new key is let in, and its calls denied while later.json is missing")
        async with connect(gw.url, alice) as c:  # the grants in force before are untouched
            assert_passed(await c.call_tool("fx__echo", {"text": "alice"}), "alice")

        write_policy(tmp_path / "later.json", {"version": "1", "default": "deny", "tools": {"fx__add": {}}})

        async def allowed() -> bool:
            async with connect(gw.url, eve, MODERN) as c:
                result = await c.call_tool("fx__add", {"a": 20, "b": 22})
            return not result.is_error and text_of(result) == "42"

        await until(allowed, "eve's policy applies once later.json exists")


async def test_stdio_takes_the_key_from_portcullis_key(tmp_path: Path) -> None:
    config = two_server_config(tmp_path)
    alice = create_key(tmp_path, "alice", "--servers", "fx", "--policy", "policy.json")
    carol = create_key(tmp_path, "carol", "--servers", "fx,fy", "--policy", "policy.json")
    command = [PYTHON, "-m", "portcullis", "stdio", "-c", str(config)]

    async with legacy_client(command, env={**os.environ, "PORTCULLIS_KEY": alice}) as c:
        names = await all_tool_names(c)
        assert names and all(name.startswith("fx__") for name in names), names
        assert_passed(await c.call_tool("fx__echo", {"text": "over stdio"}), "over stdio")
        assert (await protocol_error(c, "fy__echo", {"text": "x"})).error.code == -32602
        # The pipe is the session: one call of the session-scoped tool, then refused.
        assert_passed(await c.call_tool("fx__noop_01", {}))
        meta = assert_denied(await c.call_tool("fx__noop_01", {}), "$.tools.fx__noop_01.limits[0]")
        assert "(per session)" in meta["reason"]

    async with modern_client(command, env={**os.environ, "PORTCULLIS_KEY": carol}) as c:
        names = await all_tool_names(c)
        assert "fx__echo" in names and "fy__echo" in names
        assert_passed(await c.call_tool("fy__echo", {"text": "carol"}), "carol")
        assert_passed(await c.call_tool("fx__noop_01", {}))  # a new pipe, a new session

    for env in ({"PORTCULLIS_KEY": "pcu_unknown"}, {"PORTCULLIS_KEY": ""}):
        refused = cli(tmp_path, "stdio", env=env)
        assert refused.returncode == 2, refused
        assert "set PORTCULLIS_KEY to an agent key from 'portcullis keys create NAME'" in refused.stderr
        assert refused.stdout == ""


async def test_a_key_without_grants_in_the_config_is_not_needed_on_stdio(tmp_path: Path) -> None:
    """No grants at all: stdio serves the top-level policy to the one local client, key or not."""
    write_policy(tmp_path / "policy.json", POLICY)
    config = write_config(tmp_path / "portcullis.yaml", {"fx": stdio_server(FIXTURE_SERVER)}, policy="policy.json")
    env = {k: v for k, v in os.environ.items() if k != "PORTCULLIS_KEY"}
    async with modern_client([PYTHON, "-m", "portcullis", "stdio", "-c", str(config)], env=env) as c:
        assert text_of(await c.call_tool("fx__echo", {"text": "local"})) == "local"
        assert_denied(await c.call_tool("fx__add", {"a": 1, "b": 2}), "$.default")
