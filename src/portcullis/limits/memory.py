"""Counters in a dict: the default store, for one process. Lost on restart (use SQLite to keep them).

Atomic because ``acquire`` never awaits between reading and writing the counters of a call. What a
call acquired depends only on its requests and the windows it took from: when the same tuple of
requests (the policy gives the same one to a grant's repeated calls) takes from the same windows
again, the ``Acquired`` of its last call is given again rather than made anew.
"""

from __future__ import annotations

from collections.abc import Sequence

from portcullis.limits.model import Acquired, LimitRequest, Refused, Taken, Usage
from portcullis.limits.window import Check, State, check, released, sweepable, take, usage

__all__ = ["MemoryCounterStore"]

_SWEEP_EVERY = 4096
_REMEMBERED = 4096  # tuples of requests whose last Acquired is kept


class MemoryCounterStore:
    """An in-process ``CounterStore``."""

    def __init__(self) -> None:
        self._counters: dict[str, State] = {}
        self._windows: dict[str, float] = {}
        # id of a tuple of requests → (the tuple, so that the id stays its own; its windows; its Acquired)
        self._acquired: dict[int, tuple[tuple[LimitRequest, ...], list[int], Acquired]] = {}
        self._since_sweep = 0

    async def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        return self.acquire_now(requests, now)

    def acquire_now(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        """The synchronous core of ``acquire`` (for benchmarks and pure callers)."""
        if not requests:
            return Acquired(())
        last = self._acquired.get(id(requests)) if type(requests) is tuple else None
        if last is not None and last[0] is not requests:
            last = None
        if last is None and len({r.key for r in requests}) != len(requests):
            return self._acquire_apart(requests, now)
        counters = self._counters
        sizes = len(counters)
        buckets = take(counters, requests, now)
        if type(buckets) is int:
            r = requests[buckets]
            c = check(counters.get(r.key), r.window, r.aligned, r.max, r.cost, now)
            return Refused(r, c.used, c.retry_after)
        assert not isinstance(buckets, int)
        if len(counters) != sizes:  # new counters: note their windows, for the sweep
            for r in requests:
                self._windows.setdefault(r.key, r.window)
        self._since_sweep += 1
        if self._since_sweep >= _SWEEP_EVERY:
            self.sweep(now)
        if last is not None and last[1] == buckets:
            return last[2]
        acquired = Acquired(tuple(Taken(r, b) for r, b in zip(requests, buckets, strict=True)))
        if type(requests) is tuple:
            if len(self._acquired) >= _REMEMBERED:
                self._acquired.clear()
            self._acquired[id(requests)] = (requests, buckets, acquired)
        return acquired

    def _acquire_apart(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        """``acquire_now`` when requests share a counter: every one checked against the counters as they
        were before the call, then written in order (the last one's state stays)."""
        counters = self._counters
        checks: list[Check] = []
        for r in requests:
            c = check(counters.get(r.key), r.window, r.aligned, r.max, r.cost, now)
            if not c.ok:
                return Refused(r, c.used, c.retry_after)
            checks.append(c)
        taken = []
        for r, c in zip(requests, checks, strict=True):
            if r.key not in counters:
                self._windows[r.key] = r.window
            counters[r.key] = (c.bucket, c.current + r.cost, c.previous)
            taken.append(Taken(r, c.bucket))
        self._since_sweep += 1
        if self._since_sweep >= _SWEEP_EVERY:
            self.sweep(now)
        return Acquired(tuple(taken))

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

    def __len__(self) -> int:
        return len(self._counters)

    async def close(self) -> None:
        self._counters.clear()
        self._windows.clear()
        self._acquired.clear()
