"""A grant's rate-limit counters read as they are now, from every counter store (memory, SQLite, the real
Redis), without taking anything: the same service the grants page and ``GET /api/v1/grants`` use."""

from __future__ import annotations

from portcullis.api.counters import counter_use
from portcullis.config.model import GrantConfig
from portcullis.limits import CounterStore
from portcullis.policy import ToolCall, compile_policy, policy_from_text, take_limits
from tests.limits.conftest import store

__all__ = ["store"]

POLICY = compile_policy(
    policy_from_text(
        """{"version": "1", "default": "deny", "tools": {
        "fx__echo": {"limits": [{"counter": "echoes", "window": "minute", "max": 3, "scope": "grant"},
                                {"counter": "everyone", "window": "hour", "max": 100, "scope": "global"},
                                {"counter": "per-session", "window": "minute", "max": 9, "scope": "session"}]},
        "fx__add": {"action": "deny"}}}"""
    )
)
ALICE, BOB = GrantConfig("alice", "a" * 64), GrantConfig("bob", "b" * 64)
NOW = 1_000_000.0


async def _call(store: CounterStore, grant: GrantConfig) -> bool:
    decision = POLICY.decide(ToolCall("fx", "echo", {}, grant.name, "s1"))
    return (await take_limits(store, decision, NOW)).acquired is not None


async def test_a_grant_sees_its_counters_and_the_global_ones_used_and_nothing_is_taken(store: CounterStore) -> None:
    assert [await _call(store, ALICE) for _ in range(2)] == [True, True]
    assert await _call(store, BOB)
    for _ in range(4):  # reading again and again takes nothing
        alice = (await counter_use(store, POLICY, ALICE, NOW))["limits"]
        assert [(c["counter"], c["scope"], c["used"], c["max"], c["window"]) for c in alice] == [
            ("echoes", "grant", 2, 3, "minute"),
            ("everyone", "global", 3, 100, "hour"),
        ]
        assert alice[0]["remaining"] == 1 and alice[0]["resets_at"] is not None
    bob = (await counter_use(store, POLICY, BOB, NOW))["limits"]
    assert [(c["counter"], c["used"]) for c in bob] == [("echoes", 1), ("everyone", 3)]
    assert await _call(store, ALICE)  # the third of three: the reads spent none of alice's quota
    assert not await _call(store, ALICE)
    full = (await counter_use(store, POLICY, ALICE, NOW))["limits"][0]
    assert full["used"] == 3 and full["remaining"] == 0


async def test_a_grant_without_limits_or_store_lists_none(store: CounterStore) -> None:
    empty = compile_policy(policy_from_text('{"version": "1", "tools": {"fx__echo": {}}}'))
    assert await counter_use(store, empty, ALICE, NOW) == {"limits": []}
    assert await counter_use(None, POLICY, ALICE, NOW) == {"limits": []}


async def test_an_unreachable_store_is_said_not_raised() -> None:
    from portcullis.limits import RedisCounterStore

    down = RedisCounterStore("redis://127.0.0.1:1/0", timeout=0.5)
    try:
        got = await counter_use(down, POLICY, ALICE, NOW)
    finally:
        await down.close()
    assert got["limits"] == [] and "unreachable" in got["error"]
