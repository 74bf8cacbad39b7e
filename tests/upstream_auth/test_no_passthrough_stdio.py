"""``portcullis stdio`` reads the agent key from PORTCULLIS_KEY and does not hand it down: a stdio upstream it
spawns does not inherit the variable (the rest of the environment, and the server's own ``env``, it does)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from tests.e2e.support import text_of
from tests.harness import legacy_client

SERVER = Path(__file__).resolve().parent / "env_server.py"
KEY = "pcu_the_agent_key_that_stays_in_the_gateway"


async def test_a_stdio_upstream_does_not_inherit_the_agent_key(tmp_path: Path) -> None:
    (tmp_path / "allow.json").write_text(json.dumps({"version": "1", "default": "allow"}))
    config = {
        "servers": {"up": {"command": sys.executable, "args": [str(SERVER)], "env": {"OWN_SETTING": "mine"}}},
        "grants": [{"name": "a", "key_sha256": hashlib.sha256(KEY.encode()).hexdigest(), "policy": "allow.json"}],
        "audit": f"sqlite:///{tmp_path / 'audit.db'}",
    }
    path = tmp_path / "portcullis.json"
    path.write_text(json.dumps(config))
    env = {**os.environ, "PORTCULLIS_KEY": KEY, "SOME_OTHER": "inherited"}
    async with legacy_client([sys.executable, "-m", "portcullis", "stdio", "-c", str(path)], env=env) as client:
        assert text_of(await client.call_tool("up__env", {"name": "PORTCULLIS_KEY"})) == "<unset>"
        assert text_of(await client.call_tool("up__env", {"name": "SOME_OTHER"})) == "inherited"
        assert text_of(await client.call_tool("up__env", {"name": "OWN_SETTING"})) == "mine"
