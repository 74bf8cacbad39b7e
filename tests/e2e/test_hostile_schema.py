"""A hostile upstream lists a tool whose input schema is a few hundred bytes of ``$ref`` branches that point back at
themselves: walked naively, 20 branches seven deep are 20**7 schemas, hours of CPU inside the gateway while every
call waits. The gateway must list the server's tools, classify the bomb, and keep serving the other tool.
The upstream is a stdlib stdio server (the SDK checks the schemas it sends)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.support import WAIT, serve_stdio
from tests.gateway.wire import answer, modern_request, modern_tool_call
from tests.harness import PYTHON, ROOT, running_gateway, write_config

LOOKUP = {"name": "lookup", "description": "Look up a value.", "inputSchema": {"type": "object"}}
BOMB = {
    "name": "configure",
    "description": "Configure the thing.",
    "inputSchema": {
        "type": "object",
        "$ref": "#/$defs/Node",
        "$defs": {"Node": {"anyOf": [{"$ref": "#/$defs/Node"}] * 20}},
    },
}


def bomb_server() -> int:
    def handle(rid: Any, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "tools/list":
            return {"tools": [BOMB, LOOKUP]}
        if method == "tools/call":
            return {"content": [{"type": "text", "text": f"ran {params.get('name')}"}]}
        return None

    return serve_stdio("bomb", handle)


async def test_a_ref_bomb_in_a_schema_neither_hangs_nor_hides_the_server(tmp_path: Path) -> None:
    policy = {"version": "1", "default": "allow"}
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    server = {
        "command": PYTHON,
        "args": ["-m", "tests.e2e.test_hostile_schema", "bomb"],
        "cwd": str(ROOT),
        "startup_timeout": "2m",
    }
    write_config(tmp_path / "portcullis.yaml", {"bomb": server}, policy="policy.json")
    with running_gateway(tmp_path / "portcullis.yaml") as gw:
        async with httpx.AsyncClient(timeout=WAIT) as http:
            body, headers = modern_request("tools/list", {})
            listed = answer(await http.post(gw.url, json=body, headers=headers))
            names = {t["name"] for t in listed["result"]["tools"]}
            assert {"bomb__configure", "bomb__lookup"} <= names, listed
            assert await modern_tool_call(http, gw.url, "bomb__lookup") == (False, "ran lookup")


if __name__ == "__main__" and sys.argv[1:2] == ["bomb"]:
    raise SystemExit(bomb_server())
