"""Counters in a dict: the default store, for one process. Lost on restart (use SQLite to keep them).

Atomic because ``acquire`` never awaits between reading and writing the counters of a call. What a
call acquired depends only on its requests and the windows it took from: when the same tuple of
requests (the policy gives the same one to a grant's repeated calls) takes from the same windows
again, the ``Acquired`` of its last call is given again rather than made anew (one is kept per
counter a call starts with, and dropped with it); so is the last ``Taken`` of each counter, while the
same request takes from the same window (a grant's call-count limits, when the amount changes).
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
        # the key of a call's first request → (the tuple of requests of the last such call, the windows it
        # took from, its Acquired)
        self._acquired: dict[str, tuple[Sequence[LimitRequest], list[int], Acquired]] = {}
        self._taken: dict[str, Taken] = {}  # the last Taken of each counter
        self._since_sweep = 0

    async def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        return self.acquire_now(requests, now)

    def acquire_now(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        """The synchronous core of ``acquire`` (for benchmarks and pure callers)."""
        if not requests:
            return Acquired(())
        counters = self._counters
        found = taken(counters, requests, now)
        if type(found) is int:
            r = requests[found]
            c = check(counters.get(r.key), r.window, r.aligned, r.max, r.cost, now)
            return Refused(r, c.used, c.retry_after)
        assert not isinstance(found, int)
        after, buckets = found
        sizes = len(counters)
        counters.update(after)
        if len(counters) != sizes:  # new counters: note their windows, for the sweep
            for r in requests:
                self._windows.setdefault(r.key, r.window)
        self._since_sweep += 1
        if self._since_sweep >= _SWEEP_EVERY:
            self.sweep(now)
        first = requests[0].key
        last = self._acquired.get(first)
        if last is not None and last[0] is requests and last[1] == buckets:
            return last[2]
        made = []
        kept = self._taken
        for r, bucket in zip(requests, buckets, strict=True):
            t = kept.get(r.key)
            if t is None or t.request is not r or t.bucket != bucket:
                t = kept[r.key] = Taken(r, bucket)
            made.append(t)
        acquired = Acquired(tuple(made))
        if type(requests) is tuple:  # a list may change: nothing to remember it by
            self._acquired[first] = (requests, buckets, acquired)
        return acquired

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
            self._acquired.pop(key, None)
            self._taken.pop(key, None)

    def __len__(self) -> int:
        return len(self._counters)

    async def close(self) -> None:
        self._counters.clear()
        self._windows.clear()
        self._acquired.clear()
        self._taken.clear()
