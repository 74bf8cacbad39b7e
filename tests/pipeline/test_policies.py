"""The policies in force say, once the tools are known and at each reload, which of their entries name no tool."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from portcullis.config.load import config_from_text
from portcullis.pipeline.policies import PolicySet

TOOLS: dict[tuple[str, str], dict[str, object]] = {("files", "read_file"): {}, ("files", "delete_file"): {}}


async def test_entries_naming_no_tool_are_logged_at_start_and_at_each_reload(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"default": "allow", "tools": {"files__delete_fil": {"action": "deny"}}}')
    config = config_from_text(f'policy: "{policy}"\nservers: {{files: {{command: x}}}}\n')
    policies = PolicySet(config)
    policies.load()
    caplog.set_level(logging.WARNING, "portcullis.policy")
    policies.warn_unknown_names()  # the tools are not known yet: nothing to judge by
    assert caplog.records == []
    policies.known_tools = lambda: TOOLS
    policies.warn_unknown_names()
    (record,) = caplog.records
    assert f"policy {policy}: 1 entry matches no tool" in record.getMessage()
    assert "$.tools.files__delete_fil: this entry matches no tool" in record.getMessage()
    assert "did you mean files__delete_file?" in record.getMessage()
    assert "with 'default: allow' the tool it meant is let through" in record.getMessage()

    caplog.clear()
    (watcher,) = policies._watchers
    policy.write_text('{"default": "allow", "tools": {"files__delete_file": {"action": "deny"}, "fils__*": {}}}')
    assert await watcher.poll()
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "the config has no server 'fils'" in warned[0]
    assert "delete_fil'" not in warned[0]

    caplog.clear()
    policy.write_text('{"default": "allow", "tools": {"files__delete_file": {"action": "deny"}}}')
    assert await watcher.poll()
    assert caplog.records == []  # every entry names a tool: nothing said
