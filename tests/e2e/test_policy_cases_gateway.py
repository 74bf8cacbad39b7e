"""Issue 13.1 end to end: a policy's test cases, run by ``portcullis policy test``, say what the gateway does.

The cases are checked against the tools a real upstream (the fixture server) lists, approved with
``tools approve --all``; then a running gateway with the same policy decides the same calls the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import anyio

from tests.e2e.support import KEY_A, assert_denied, assert_passed, cli, connect, gateway_folder
from tests.harness import running_gateway

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__echo": {},
        "fx__add": {"rate_limit": "2/hour"},
        "fx__crash": {"action": "deny", "reason": "Crashing the server is not allowed"},
    },
    "tests": [
        {"name": "echo passes", "tool": "fx__echo", "arguments": {"text": "hi"}, "expect": "allow"},
        {
            "name": "the third add in an hour is limited",
            "tool": "fx__add",
            "grant": "agent-a",
            "arguments": {"a": 1, "b": 2},
            "before": [{"tool": "fx__add", "arguments": {"a": 1, "b": 2}, "repeat": 2}],
            "expect": {"decision": "limit", "reason": "rate limit reached"},
        },
        {"name": "crash is refused", "tool": "fx__crash", "expect": {"decision": "deny", "rule": "$.tools.fx__crash"}},
        {
            "name": "unlisted tools are refused",
            "tool": "fx__noop_01",
            "expect": {"decision": "deny", "rule": "$.default"},
        },
    ],
}


def test_cases_pass_fail_and_agree_with_the_live_gateway(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY)
    approved = cli(tmp_path, "tools", "approve", "--all")
    assert approved.returncode == 0, approved.stderr

    done = cli(tmp_path, "policy", "test", "policy.json", "--junit", "reports/policy.xml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed, 0 failed" in done.stdout
    suite = ET.parse(tmp_path / "reports" / "policy.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("4", "0")
    assert cli(tmp_path, "policy", "check", "policy.json").returncode == 0

    # A case whose expectation is wrong: exit 1, the failure in the output and in the JUnit file.
    wrong = {**POLICY, "tests": [*POLICY["tests"], {"name": "wrong", "tool": "fx__crash", "expect": "allow"}]}
    (tmp_path / "wrong.json").write_text(json.dumps(wrong, indent=2))
    done = cli(tmp_path, "policy", "test", "wrong.json", "--junit", "wrong.xml")
    assert done.returncode == 1
    assert "FAIL wrong.json:" in done.stdout and "wrong: expected decision allow; got deny" in done.stdout
    failed = [c.get("name") for c in ET.parse(tmp_path / "wrong.xml").iter("testcase") if c.find("failure") is not None]
    assert failed == ["wrong"]
    assert cli(tmp_path, "policy", "check", "wrong.json").returncode == 1

    # A tool the upstream does not have (per the approved catalogue): a clear error with its line, exit 2.
    typo = {**POLICY, "tests": [{"tool": "fx__ecko", "expect": "allow"}]}
    (tmp_path / "typo.json").write_text(json.dumps(typo, indent=2))
    done = cli(tmp_path, "policy", "test", "typo.json")
    assert done.returncode == 2
    assert "typo.json:" in done.stderr and "unknown tool 'fx__ecko'" in done.stderr
    assert "did you mean fx__echo" in done.stderr

    # The gateway with the same policy decides as the cases said.
    async def live() -> None:
        async with connect(proc.url, KEY_A) as c:
            assert_passed(await c.call_tool("fx__echo", {"text": "hi"}), "hi")
            for _ in range(2):
                assert_passed(await c.call_tool("fx__add", {"a": 1, "b": 2}))
            limited = await c.call_tool("fx__add", {"a": 1, "b": 2})
            assert_denied(limited, "$.tools.fx__add.rate_limit")
            assert_denied(await c.call_tool("fx__crash", {}), "$.tools.fx__crash")
            assert_denied(await c.call_tool("fx__noop_01", {}), "$.default")

    with running_gateway(config) as proc:
        anyio.run(live)
