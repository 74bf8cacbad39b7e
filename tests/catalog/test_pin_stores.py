"""One suite that every pin store passes: memory, SQLite and Redis (real local Redis)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from portcullis.catalog.pin_stores import RedisPinStore, SqlitePinStore, open_pin_store, pin_store_location
from portcullis.catalog.pins import MemoryPinStore, Pin, PinStore
from portcullis.config.load import config_from_text


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[PinStore]:
    if request.param == "memory":
        s: PinStore = MemoryPinStore()
    elif request.param == "sqlite":
        s = SqlitePinStore(tmp_path / "pins.db")
    else:
        url = request.getfixturevalue("redis_url")
        s = RedisPinStore(url, key=f"portcullis-test:pins:{uuid.uuid4().hex}")
    yield s
    if isinstance(s, RedisPinStore):
        await s._client.delete(s.key)
    await s.close()


def _pin(server: str, tool: str, description: str = "d") -> Pin:
    return Pin.of(server, {"name": tool, "description": description}, 1700000000.0, "test")


async def test_save_load_replace_delete(store: PinStore) -> None:
    assert await store.load() == {}
    a, b = _pin("s1", "a"), _pin("s2", "b")
    await store.save([a, b])
    assert await store.load() == {("s1", "a"): a, ("s2", "b"): b}
    a2 = _pin("s1", "a", "changed")
    await store.save([a2])
    loaded = await store.load()
    assert loaded[("s1", "a")] == a2
    assert loaded[("s1", "a")].hash != a.hash
    await store.delete([("s1", "a"), ("nope", "nope")])
    assert await store.load() == {("s2", "b"): b}
    await store.save([])
    await store.delete([])


async def test_sqlite_pins_are_shared_between_store_objects(tmp_path: Path) -> None:
    first, second = SqlitePinStore(tmp_path / "p.db"), SqlitePinStore(tmp_path / "p.db")
    await first.save([_pin("s", "t")])
    assert list(await second.load()) == [("s", "t")]


def test_open_pin_store_follows_the_store_setting(tmp_path: Path) -> None:
    memory = config_from_text("servers: {}\n")
    assert pin_store_location(memory).endswith("portcullis.pins.db")
    assert isinstance(open_pin_store(memory), SqlitePinStore)
    in_process = config_from_text("catalog: {pins_file: ':memory:'}\n")
    assert isinstance(open_pin_store(in_process), MemoryPinStore)
    sqlite = config_from_text(f"store: sqlite:///{tmp_path}/x.db\n")
    s = open_pin_store(sqlite)
    assert isinstance(s, SqlitePinStore) and s.path == tmp_path / "x.db"
    redis = config_from_text("store: redis://127.0.0.1:6379/0\n")
    assert isinstance(open_pin_store(redis), RedisPinStore)
