"""The SQLite and Redis pin stores, and ``open_pin_store`` which picks one from the config.

See ``pins.py`` for where each ``store`` setting keeps its pins. SQLite work runs in a thread so the
event loop never waits on the disk; the database uses WAL so a CLI approval and a running gateway
can use the file at the same time. An unreachable store raises ``StoreUnavailable``. The Redis store
also publishes every change, so that the replicas of a fleet re-read the pins at once (``watch``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from portcullis._plumbing import sqlite as sql
from portcullis._plumbing.redis_client import listener_client, redis_client
from portcullis._plumbing.store_url import is_redis_url, safe_url, split_prefix, url_path
from portcullis.backends import require_backend
from portcullis.catalog.pins import MemoryPinStore, Pin, PinKey, PinStore
from portcullis.config.model import GatewayConfig
from portcullis.errors import StoreUnavailable

__all__ = ["DEFAULT_PINS_FILE", "RedisPinStore", "SqlitePinStore", "open_pin_store", "pin_store_location"]

DEFAULT_PINS_FILE = "portcullis.pins.db"

log = logging.getLogger("portcullis.catalog")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS portcullis_pins (
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    pin TEXT NOT NULL,
    PRIMARY KEY (server, tool)
)
"""


class SqlitePinStore:
    """Pins in the table ``portcullis_pins`` of a SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sql.connect(self.path, sync="full")  # SQLite's own default for the pins: fsync each approval
            if not self._ready:
                conn.execute(_SCHEMA)
                self._ready = True
            return conn
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(
                f"cannot open the pin store {self.path}: {exc}", "check that the folder exists and is writable"
            ) from exc

    def _load(self) -> dict[PinKey, Pin]:
        conn = self._connect()
        try:
            rows = conn.execute("SELECT pin FROM portcullis_pins").fetchall()
        finally:
            conn.close()
        pins = [Pin.from_json(row[0]) for row in rows]
        return {p.key: p for p in pins}

    def _save(self, pins: list[Pin]) -> None:
        conn = self._connect()
        try:
            with sql.immediate(conn):
                conn.executemany(
                    "INSERT OR REPLACE INTO portcullis_pins (server, tool, pin) VALUES (?, ?, ?)",
                    [(p.server, p.tool, p.to_json().decode()) for p in pins],
                )
        finally:
            conn.close()

    def _delete(self, keys: list[PinKey]) -> None:
        conn = self._connect()
        try:
            with sql.immediate(conn):
                conn.executemany("DELETE FROM portcullis_pins WHERE server = ? AND tool = ?", keys)
        finally:
            conn.close()

    async def load(self) -> dict[PinKey, Pin]:
        return await asyncio.to_thread(self._load)

    async def save(self, pins: Iterable[Pin]) -> None:
        await asyncio.to_thread(self._save, list(pins))

    async def delete(self, keys: Iterable[PinKey]) -> None:
        await asyncio.to_thread(self._delete, list(keys))

    async def close(self) -> None:
        return None


class RedisPinStore:
    """Pins in one Redis hash (``key``), field ``<server>/<tool>``: shared by every replica."""

    def __init__(self, url: str, key: str | None = None, timeout: float = 1.0) -> None:
        from redis.exceptions import RedisError  # the optional backend: imported when Redis is the store

        self.url, prefix = split_prefix(url)  # the store URL's ?prefix= (counters) also separates the pins
        self.key = key or f"{prefix or 'portcullis:'}pins"
        self.channel = self.key + ":changed"
        self._client: Any = redis_client(self.url, timeout=timeout)
        self._errors: tuple[type[Exception], ...] = (RedisError, OSError)

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        return StoreUnavailable(
            f"cannot reach the pin store at {safe_url(self.url)}: {exc}",
            "check that Redis is running and the 'store' URL is right",
        )

    async def load(self) -> dict[PinKey, Pin]:
        try:
            raw: dict[bytes, bytes] = await self._client.hgetall(self.key)
        except self._errors as exc:
            raise self._unavailable(exc) from exc
        pins = [Pin.from_json(v) for v in raw.values()]
        return {p.key: p for p in pins}

    async def save(self, pins: Iterable[Pin]) -> None:
        mapping = {f"{p.server}/{p.tool}": p.to_json() for p in pins}
        if not mapping:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hset(self.key, mapping=mapping)
                pipe.publish(self.channel, b"saved")  # every replica re-reads the pins now (``watch``)
                await pipe.execute()
        except self._errors as exc:
            raise self._unavailable(exc) from exc

    async def delete(self, keys: Iterable[PinKey]) -> None:
        fields = [f"{server}/{tool}" for server, tool in keys]
        if not fields:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hdel(self.key, *fields)
                pipe.publish(self.channel, b"deleted")
                await pipe.execute()
        except self._errors as exc:
            raise self._unavailable(exc) from exc

    async def watch(self, on_change: Callable[[], None]) -> None:
        """Call ``on_change`` whenever any process (a replica, ``portcullis tools approve``) changes the
        pins, until cancelled; the periodic re-read stays as the fallback while Redis is away."""
        while True:
            listener: Any = listener_client(self.url)
            pubsub = listener.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                on_change()  # whatever changed while nobody listened
                async for _ in pubsub.listen():
                    on_change()
            except self._errors as exc:
                log.warning("pin change messages (Redis pub/sub) interrupted: %s; subscribing again", exc)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await listener.aclose()
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        await self._client.aclose()


def pin_store_location(config: GatewayConfig) -> str:
    """Where ``open_pin_store`` keeps pins for this config, for messages (``sqlite:///…`` or a Redis URL)."""
    store = config.store
    if store.startswith(("redis://", "rediss://")):
        return store
    if store.startswith("sqlite:///"):
        return store
    pins_file = config.catalog.get("pins_file", DEFAULT_PINS_FILE)
    if pins_file == ":memory:":
        return "memory"
    return f"sqlite:///{config.resolve(str(pins_file))}"


def open_pin_store(config: GatewayConfig) -> PinStore:
    """The pin store the config's ``store`` (and ``catalog.pins_file``) selects."""
    location = pin_store_location(config)
    if location == "memory":
        return MemoryPinStore()
    if is_redis_url(location):
        require_backend(location, "$.store", str(config.path or "<config>"))
        return RedisPinStore(location)
    return SqlitePinStore(url_path(location, "sqlite", config.base_dir))
