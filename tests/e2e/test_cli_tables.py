"""What an operator reads in a terminal: ``portcullis audit`` and ``approvals list`` as tables with a
header row that fit the terminal's width (ids never cut, an agent's escape sequences shown, not run),
whole when piped; and ``audit --tool`` taking the names agents and policies use (``fx__*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.support import KEY_A, cli, cli_json, connect, gateway_folder, pending_id
from tests.harness import running_gateway

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {"fx__echo": {}, "fx__add": {"action": "require_approval", "reason": "Adding needs a person"}},
}
TRICK = "\x1b[2J\x1b[31mall clear\nFAKE ROW  allow  ok"  # clears the screen, recolours, forges a line


async def test_tables_fit_the_terminal_and_tool_filters_use_agent_names(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": "1s"})
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as agent:
            assert not (await agent.call_tool("fx__echo", {"text": TRICK + " " + "x" * 300})).is_error
            approval = pending_id(await agent.call_tool("fx__add", {"a": 1, "b": 2}))

    for command in (("audit",), ("approvals", "list")):
        narrow = cli(tmp_path, *command, env={"COLUMNS": "80"})
        assert narrow.returncode == 0, narrow.stderr
        lines = narrow.stdout.splitlines()
        assert all(len(line) <= 80 for line in lines), narrow.stdout
        assert "\x1b" not in narrow.stdout and "FAKE ROW" not in narrow.stdout
        header = lines[0].split()
        if command == ("audit",):
            assert header[:2] == ["TIME", "(UTC)"] and {"GRANT", "TOOL", "DECISION", "OUTCOME"} <= set(header)
            assert len(lines) == 3 and "agent-a" in lines[1] and "require_approval" in lines[2]
        else:
            assert header == ["ID", "STATUS", "GRANT", "TOOL", "REQUESTED", "EXPIRES", "ARGUMENTS"]
            assert len(lines) == 2 and lines[1].startswith(f"{approval}  pending  agent-a  fx__add  ")

    piped = cli(tmp_path, "audit", env={"COLUMNS": ""})  # not a terminal, no width: nothing is cut
    assert "x" * 300 in piped.stdout and "\\u001b[2J\\u001b[31mall clear\\nFAKE ROW" in piped.stdout  # as JSON

    def tools(pattern: str) -> list[str]:
        return [f"{r['server']}__{r['tool']}" for r in cli_json(tmp_path, "audit", "--tool", pattern)]

    assert tools("fx__*") == ["fx__echo", "fx__add"]
    assert tools("*__echo") == tools("fx__echo") == tools("echo") == ["fx__echo"]
    assert tools("fx__a?d") == ["fx__add"]
    assert tools("other__*") == tools("fx__nothing") == []
