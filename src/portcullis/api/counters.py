"""How much of its rate limits each grant has used right now: read from the counter store, taking nothing.

For a grant, the counters its policy's limits take (``policy.counters.grant_counters``: its own and the
global ones; session-scoped limits count per session and are left out) are read with the store's
``peek`` — memory, SQLite or Redis, the store the gateway takes calls' quota from — so reading never
spends quota, advances a window or touches an expiry. Shared by ``GET /api/v1/grants`` (each grant's
``limits``), ``GET /api/v1/grants/{name}/limits`` and the console's grants page.
"""

from __future__ import annotations

from typing import Any

from portcullis._plumbing.isotime import iso
from portcullis.config.model import GrantConfig
from portcullis.errors import StoreUnavailable
from portcullis.limits.model import CounterStore, Usage
from portcullis.policy import CompiledPolicy
from portcullis.policy.counters import grant_counters

__all__ = ["counter_use", "usage_json"]


def usage_json(u: Usage, now: float) -> dict[str, Any]:
    """One counter's use as the API answers it."""
    r = u.request
    return {
        "counter": r.counter,
        "scope": r.scope,
        "rule": r.rule,
        "used": round(u.used, 3),
        "max": r.max,
        "remaining": round(u.remaining, 3),
        "window": r.window_label,
        "window_seconds": r.window,
        "resets_at": iso(u.resets_at) if u.resets_at is not None else None,
        "resets_in": round(max(0.0, u.resets_at - now), 1) if u.resets_at is not None else None,
    }


async def counter_use(
    store: CounterStore | None, policy: CompiledPolicy, grant: GrantConfig | None, now: float
) -> dict[str, Any]:
    """``{"limits": [...]}`` for one grant under ``policy``, or ``{"limits": [], "error": why}`` when the
    store cannot be read (a Redis that is down: the page says so rather than failing)."""
    requests = grant_counters(policy.model, grant.name if grant is not None else None)
    if store is None or not requests:
        return {"limits": []}
    try:
        found = await store.peek(requests, now)
    except StoreUnavailable as exc:
        return {"limits": [], "error": exc.message}
    return {"limits": [usage_json(u, now) for u in found]}
