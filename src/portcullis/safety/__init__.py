"""The call path's checks that look beyond one call: session rules and loops, and shadow policies.

- ``SessionSafety`` (``safety.sessions``): before a call goes ahead, the loop rules and session rules
  of the grant's policy, on the session's history (in this process, or shared through Redis, where the
  rate limits' script checks and records the data flow: ``safety.flowstore``); after it went ahead,
  the data-flow tags it adds to its session.
- ``ShadowRunner`` (``safety.shadow``): what a shadow policy (a grant's ``shadow_policy`` draft, or the
  rules of its policy marked ``"mode": "shadow"``) would have decided, for the audit record and
  ``/metrics``; it enforces nothing.
"""

from __future__ import annotations

import sys

from portcullis.limits.model import CounterStore
from portcullis.safety.flowstore import FlowStore
from portcullis.safety.sessions import SessionSafety
from portcullis.safety.shadow import ShadowRunner, shadow_differs

__all__ = ["FlowStore", "SessionSafety", "ShadowRunner", "shadow_differs", "shared_flow"]


def shared_flow(store: CounterStore) -> FlowStore | None:
    """Where sessions' data flow is shared between replicas: the Redis of a Redis counter store.

    Redis is an optional dependency: its modules are imported only when the store is Redis's."""
    redis_stores = sys.modules.get("portcullis.limits.redis")  # loaded if, and only if, a Redis store was made
    if redis_stores is None or not isinstance(store, redis_stores.RedisCounterStore):
        return None
    return FlowStore(store, store.prefix)
