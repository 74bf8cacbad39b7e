"""Counters in a dict: the default store, for one process. Lost on restart (use SQLite to keep them).

Atomic because ``acquire`` never awaits between reading and writing the counters of a call. The last
``Taken`` of each counter is kept and given again while the same request takes from the same window
(a grant's calls repeat their requests), rather than made anew on every call.
"""

from __future__ import annotations

from collections.abc import Sequence

from portcullis.limits.model import Acquired, LimitRequest, Refused, Taken, Usage
from portcullis.limits.window import State, check, released, sweepable, taken, usage

__all__ = ["MemoryCounterStore"]

_SWEEP_EVERY = 4096


class MemoryCounterStore:
    """An in-process ``CounterStore``."""

    def __init__(self) -> None:
        self._counters: dict[str, State] = {}
        self._windows: dict[str, float] = {}
        self._taken: dict[str, Taken] = {}
        self._since_sweep = 0

    async def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        return self.acquire_now(requests, now)

    def acquire_now(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        """The synchronous core of ``acquire`` (for benchmarks and pure callers)."""
        if not requests:
            return Acquired(())
        counters = self._counters
        after = taken(counters, requests, now)
        if type(after) is int:
            r = requests[after]
            c = check(counters.get(r.key), r.window, r.aligned, r.max, r.cost, now)
            return Refused(r, c.used, c.retry_after)
        assert not isinstance(after, int)
        made = []
        last = self._taken
        for r, state in zip(requests, after, strict=True):
            key = r.key
            if key not in counters:
                self._windows[key] = r.window
            counters[key] = state
            t = last.get(key)
            if t is None or t.request is not r or t.bucket != state[0]:
                t = last[key] = Taken(r, state[0])
            made.append(t)
        self._since_sweep += 1
        if self._since_sweep >= _SWEEP_EVERY:
            self.sweep(now)
        return Acquired(tuple(made))

    async def peek(self, requests: Sequence[LimitRequest], now: float) -> tuple[Usage, ...]:
        return tuple(Usage(r, *usage(self._counters.get(r.key), r.window, r.aligned, now)) for r in requests)

    async def release(self, acquired: Acquired) -> None:
        for t in acquired.taken:
            state = released(self._counters.get(t.request.key), t.bucket, t.request.cost)
            if state is not None:
                self._counters[t.request.key] = state

    def sweep(self, now: float) -> None:
        """Drop counters whose windows have passed."""
        self._since_sweep = 0
        for key in [k for k, s in self._counters.items() if sweepable(s, self._windows[k], now)]:
            del self._counters[key]
            del self._windows[key]
            self._taken.pop(key, None)

    def __len__(self) -> int:
        return len(self._counters)

    async def close(self) -> None:
        self._counters.clear()
        self._windows.clear()
        self._taken.clear()
