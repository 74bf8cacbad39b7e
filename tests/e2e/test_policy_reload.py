"""Issue 3 end to end: hot reload of the policy file under a running ``portcullis serve``.

One client session stays open for the whole test and keeps working while the file changes under
the gateway: a valid change takes effect (bounded wait, no timing asserted), an invalid one is
refused with its problems logged and the previous policy stays in force, and rate-limit counters
carry across every reload (they live in the store, keyed by counter name, not in the policy).
Files are replaced atomically (write, then rename), as editors and config tools do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.e2e.support import assert_denied, assert_passed, digest, text_of, until
from tests.harness import (
    FIXTURE_SERVER,
    PYTHON,
    legacy_client,
    modern_client,
    running_gateway,
    stdio_server,
    write_config,
)


def replace_file(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def policy(echo: dict[str, Any], limit_max: int) -> str:
    return json.dumps(
        {
            "version": "1",
            "default": "deny",
            "tools": {
                "fx__echo": echo,
                "fx__noop_01": {"limits": [{"counter": "kept", "window": "hour", "max": limit_max}]},
            },
        },
        indent=2,
    )


async def test_reloads_take_effect_in_the_same_session_refuse_invalid_files_and_keep_counters(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(policy({}, 3))
    config = write_config(tmp_path / "portcullis.yaml", {"fx": stdio_server(FIXTURE_SERVER)}, policy="policy.json")
    with running_gateway(config) as gw:
        async with legacy_client(gw.url) as c, modern_client(gw.url) as m:
            assert_passed(await c.call_tool("fx__echo", {"text": "v1"}), "v1")
            for _ in range(2):
                assert_passed(await c.call_tool("fx__noop_01", {}))

            # v2: echo denied; the limit raised from 3 to 4 on the same counter.
            replace_file(policy_file, policy({"action": "deny", "reason": "echo is switched off"}, 4))

            async def echo_denied() -> str | None:
                result = await c.call_tool("fx__echo", {"text": "v2"})
                return text_of(result) if result.is_error else None

            assert "echo is switched off" in await until(echo_denied, "the new policy applies to the open session")
            assert_denied(await m.call_tool("fx__echo", {"text": "v2"}), "$.tools.fx__echo")
            # The two calls made under v1 still count: two more make four, the fifth is refused.
            for _ in range(2):
                assert_passed(await c.call_tool("fx__noop_01", {}))
            meta = assert_denied(await m.call_tool("fx__noop_01", {}), "$.tools.fx__noop_01.limits[0]")
            assert meta["reason"] == "rate limit reached: 4/hour on counter 'kept' (per grant -), 4 used"

            # v3 is invalid: refused, every problem logged with its location, v2 stays in force.
            replace_file(policy_file, policy({"action": "allow", "bogus": True}, 0))

            async def refused() -> str | None:
                log = gw.stderr()
                return log if "not reloaded" in log else None

            log = await until(refused, "the invalid policy is refused in the log")
            assert log.count(f"policy {policy_file} not reloaded, the previous policy stays in force") == 1, log
            assert "$.tools.fx__echo.bogus" in log and "unknown key 'bogus'" in log
            assert "$.tools.fx__noop_01.limits[0].max" in log
            assert_denied(await c.call_tool("fx__echo", {"text": "v3"}), "$.tools.fx__echo")
            assert_denied(await c.call_tool("fx__noop_01", {}), "$.tools.fx__noop_01.limits[0]")

            # v4 is valid again: echo back, limit 5 on the same counter (4 used): one more call.
            replace_file(policy_file, policy({}, 5))

            async def echo_back() -> str | None:
                result = await c.call_tool("fx__echo", {"text": "v4"})
                return None if result.is_error else text_of(result)

            assert await until(echo_back, "the fixed policy applies") == "v4"
            assert_passed(await m.call_tool("fx__noop_01", {}))
            meta = assert_denied(await c.call_tool("fx__noop_01", {}), "$.tools.fx__noop_01.limits[0]")
            assert meta["reason"] == "rate limit reached: 5/hour on counter 'kept' (per grant -), 5 used"
            assert gw.stderr().count(f"policy {policy_file} reloaded") == 2  # v2 and v4, once each


async def test_a_grant_policy_file_is_reloaded_too(tmp_path: Path) -> None:
    """With grants, each grant's own file is watched (stdio, key from PORTCULLIS_KEY)."""
    key = "pcu_e2e_reload_key"
    policy_file = tmp_path / "agent.json"
    policy_file.write_text(policy({}, 1))
    config = write_config(
        tmp_path / "portcullis.yaml",
        {"fx": stdio_server(FIXTURE_SERVER)},
        grants=[{"name": "agent", "key_sha256": digest(key), "policy": "agent.json"}],
    )
    command = [PYTHON, "-m", "portcullis", "stdio", "-c", str(config)]
    async with modern_client(command, env={**os.environ, "PORTCULLIS_KEY": key}) as c:
        assert_passed(await c.call_tool("fx__echo", {"text": "before"}), "before")
        replace_file(policy_file, policy({"action": "deny", "reason": "no more echo for this agent"}, 1))

        async def denied() -> str | None:
            result = await c.call_tool("fx__echo", {"text": "after"})
            return text_of(result) if result.is_error else None

        assert "no more echo for this agent" in await until(denied, "the grant's new policy applies")
