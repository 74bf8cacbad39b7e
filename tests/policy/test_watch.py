"""Hot reload: a valid change takes effect, an invalid one is refused and the previous policy stays."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from portcullis.errors import ConfigError
from portcullis.limits import MemoryCounterStore
from portcullis.policy import CompiledPolicy, PolicyWatcher, ToolCall, take_limits
from tests.waiting import until

V1 = '{"version": "1", "tools": {"a": {"limits": [{"counter": "shared", "window": "hour", "max": 2}]}}}'
V2 = '{"version": "1", "tools": {"a": {"limits": [{"counter": "shared", "window": "hour", "max": 3}]}, "b": {}}}'


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))  # coarse-mtime filesystems


async def _until(condition: Callable[[], bool]) -> None:
    await until(condition, "the watcher saw the change")


async def test_reload_valid_refuse_invalid_and_counters_survive(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(V1)
    errors: list[ConfigError] = []
    watcher = PolicyWatcher(path, lambda p: current.__setitem__(0, p), errors.append, interval=0.05)
    current: list[CompiledPolicy] = [watcher.load()]
    store = MemoryCounterStore()
    call = ToolCall("s", "a", {}, "g", "s")
    async with watcher:
        for _ in range(2):
            assert (await take_limits(store, current[0].decide(call), 1000.0)).decision.action == "allow"
        assert (await take_limits(store, current[0].decide(call), 1000.0)).decision.action == "deny"

        first = current[0]
        _write(path, V2, 1)
        await _until(lambda: current[0] is not first)
        assert current[0] is not first
        assert current[0].decide(ToolCall("s", "b")).action == "allow"
        # the counter kept its 2 calls across the reload: one more fits under the new max of 3
        assert (await take_limits(store, current[0].decide(call), 1000.0)).decision.action == "allow"
        assert (await take_limits(store, current[0].decide(call), 1000.0)).decision.action == "deny"

        second = current[0]
        _write(path, '{"version": "1", "tools": {"a": {"action": "explode"}}}', 2)
        await _until(lambda: bool(errors))
        assert errors and "explode" in str(errors[0])
        assert current[0] is second  # the previous policy stays in force

        os.utime(path)  # touched, same content: nothing happens
        assert await watcher.poll() is False
        assert len(errors) == 1


async def test_touch_without_change_does_not_reload(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(V1)
    changes: list[CompiledPolicy] = []
    watcher = PolicyWatcher(path, changes.append, lambda e: None)
    watcher.load()
    _write(path, V1, 5)
    assert await watcher.poll() is False and not changes


def test_a_policy_path_that_is_a_folder_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    watcher = PolicyWatcher(tmp_path / "policies", lambda policy: None, lambda exc: None)
    with pytest.raises(ConfigError) as info:
        watcher.load()
    assert "cannot read the policy: it is a folder: name the file itself" in str(info.value)
