"""Private plumbing shared by every domain package: nothing here knows about policies, calls or tools.

One module per concern, each written once and used by audit, approvals, limits, pins, cursors and
links alike:

- ``sqlite``: open a SQLite file the one way (WAL, busy timeout, autocommit) and run a write transaction;
- ``worker``: a thread of its own for a store's blocking calls (a SQLite connection, a file), in order;
- ``redis_client``: the asyncio Redis client of every Redis store (timeouts, no hidden retries);
- ``store_url``: store URLs (which name Redis, the ``?prefix=`` of Redis, the password hidden for messages);
- ``tokens``: HMAC-SHA256 signing and unpadded base64url, for signed tokens and cursors;
- ``durations``: the one duration grammar (``30s``, ``5m``, ``1h``, ``1d``);
- ``isotime``: ISO 8601 UTC instants, written and read;
- ``polling``: a file's change stamp, for watchers that poll;
- ``sections``: the checks every config section repeats (unknown keys, the JSON path of a key);
- ``hooks``: the listeners of one event, for parts that need each other and are built in order.

This package imports nothing else from ``portcullis`` (a test keeps it so), so any layer may use it.
It is private: no name here is part of the public API (``__all__`` is empty).
"""

from __future__ import annotations

__all__: list[str] = []
