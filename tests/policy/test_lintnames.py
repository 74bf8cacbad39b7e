"""``policy check`` warns about keys naming no server of the config, or no tool of a server whose tools are known."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from portcullis.catalog.pin_stores import SqlitePinStore
from portcullis.catalog.pins import Pin
from portcullis.cli import main
from portcullis.policy import policy_from_text
from portcullis.policy.lintnames import unknown_name_warnings

SERVERS = ("files", "time", "new")  # 'new' has no approved tools: taken on trust
TOOLS: dict[tuple[str, str], dict[str, Any]] = {
    ("files", "read_file"): {},
    ("files", "write_file"): {},
    ("files", "delete_file"): {},
    ("time", "get_time"): {},
}


def flagged(policy: dict[str, Any], servers: Any = SERVERS, tools: Any = TOOLS) -> dict[str, str]:
    model = policy_from_text(orjson.dumps(policy).decode())
    return {w.location: w.message for w in unknown_name_warnings(model, servers, tools)}


def test_keys_that_name_something_are_not_flagged() -> None:
    policy = {
        "tools": {
            "files__read_file": {},
            "files__write_*": {},
            "*__get_time": {},
            "delete_file": {"action": "deny"},
            "new__anything": {},
            "*__whatever": {},  # may be a tool of 'new'
            "f*__read_*": {},
        },
        "hide": ["time__get_time"],
        "servers": {"files": {"tools": {"files__delete_file": {"action": "deny"}}}},
    }
    assert flagged(policy) == {}


def test_a_misspelt_server_or_tool_is_flagged_with_the_closest_names() -> None:
    got = flagged(
        {
            "default": "allow",
            "tools": {"files__delete_fil": {"action": "deny"}, "fils__write_file": {"action": "deny"}},
            "hide": ["tiem__*"],
            "servers": {"time": {"tools": {"get_tme": {}}}},
        }
    )
    assert set(got) == {
        "$.tools.files__delete_fil",
        "$.tools.fils__write_file",
        "$.hide[0]",
        "$.servers.time.tools.get_tme",
    }
    assert (
        "server 'files' has no approved tool 'delete_fil' (did you mean files__delete_file"
        in got["$.tools.files__delete_fil"]
    )
    assert "the tool it meant is let through" in got["$.tools.files__delete_fil"]
    assert "the config has no server 'fils' (did you mean 'files'?)" in got["$.tools.fils__write_file"]
    assert "no server of the config matches 'tiem*'" not in got["$.hide[0]"]  # 'tiem' is literal here
    assert "the config has no server 'tiem'" in got["$.hide[0]"]
    # An allow entry that names nothing lets nothing through that the default would not.
    assert "let through" not in got["$.servers.time.tools.get_tme"]


def test_a_glob_matching_nothing_and_an_unprefixed_name_matching_nothing() -> None:
    got = flagged({"tools": {"x*__read": {"action": "deny"}, "get_tme": {}}})
    assert "no server of the config matches 'x*'" in got["$.tools['x*__read']"]
    # 'new' has no known tools, so an unprefixed name may be one of them: not judged.
    assert "$.tools.get_tme" not in got
    got = flagged({"tools": {"get_tme": {}}}, servers=("files", "time"))
    assert "'get_tme' matches none of the approved tools" in got["$.tools.get_tme"]


def test_nothing_is_judged_without_a_config_or_approved_tools() -> None:
    policy = {"tools": {"files__delete_fil": {"action": "deny"}, "nope__x": {}}}
    assert flagged(policy, servers=None, tools=None) == {}
    assert set(flagged(policy, servers=SERVERS, tools=None)) == {"$.tools.nope__x"}


def test_policy_check_prints_the_warning_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "portcullis.yaml").write_text("servers: {files: {command: x}}\n")
    store = SqlitePinStore(tmp_path / "portcullis.pins.db")
    asyncio.run(store.save([Pin.of("files", {"name": "delete_file", "inputSchema": {}}, 0.0, "test")]))
    asyncio.run(store.close())
    policy = tmp_path / "policy.yaml"
    policy.write_text("default: allow\ntools:\n  files__delete_fil: {action: deny}\n")
    assert main(["policy", "check", str(policy), "-c", str(tmp_path / "portcullis.yaml")]) == 0
    out = capsys.readouterr().out
    assert f"{policy}: ok (1 entries, default allow), 1 warning(s)" in out
    assert f"{policy}:3: $.tools.files__delete_fil: warning: this entry matches no tool" in out
    assert "did you mean files__delete_file?" in out
