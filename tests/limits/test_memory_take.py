"""The in-memory store (``window.taken``, the Acquired it keeps) gives exactly the answers and counters of ``check``.

The reference is the store's algorithm before ``taken``: every request checked against the counters as they
were before the call, then each counter written in order. Random calls (costs, maxima, windows, aligned or
sliding, requests sharing a counter, tuples repeated or lists) at random times must leave the same counters
and give equal results.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from portcullis.limits import Acquired, LimitRequest, MemoryCounterStore, Refused, Taken
from portcullis.limits.window import State, check


class _Reference:
    def __init__(self) -> None:
        self.counters: dict[str, State] = {}

    def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        checks = []
        for r in requests:
            c = check(self.counters.get(r.key), r.window, r.aligned, r.max, r.cost, now)
            if not c.ok:
                return Refused(r, c.used, c.retry_after)
            checks.append(c)
        for r, c in zip(requests, checks, strict=True):
            self.counters[r.key] = (c.bucket, c.current + r.cost, c.previous)
        return Acquired(tuple(Taken(r, c.bucket) for r, c in zip(requests, checks, strict=True)))


def _request(key: str, window: float, aligned: bool, maximum: float, cost: float) -> LimitRequest:
    return LimitRequest(key, "g:t", key, "grant", "t", window, aligned, maximum, cost, f"$.{key}")


requests = st.builds(
    _request,
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from([1.0, 60.0, 90.0, 86400.0]),
    st.booleans(),
    st.sampled_from([0.0, 1.0, 2.5, 3.0, 10.0]),
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 12.5]),
)
calls = st.lists(st.lists(requests, min_size=1, max_size=4), min_size=1, max_size=5)
steps = st.lists(
    st.tuples(st.integers(0, 4), st.floats(0, 500, allow_nan=False), st.booleans()), min_size=1, max_size=40
)


@settings(max_examples=300, deadline=None)
@given(calls, steps)
def test_the_store_agrees_with_check_limit_by_limit(
    shapes: list[list[LimitRequest]], plan: list[tuple[int, float, bool]]
) -> None:
    store, reference = MemoryCounterStore(), _Reference()
    tuples = [tuple(shape) for shape in shapes]  # the same tuple again, as the policy gives a grant's calls
    now = 1000.0
    for index, step, as_list in plan:
        now += step
        shape = tuples[index % len(tuples)]
        sent: Sequence[LimitRequest] = list(shape) if as_list else shape
        got, want = store.acquire_now(sent, now), reference.acquire(sent, now)
        assert got == want
        assert store._counters == reference.counters


def test_a_refused_call_leaves_every_counter_as_it_was() -> None:
    store = MemoryCounterStore()
    first, tight = _request("a", 60.0, False, 10.0, 1.0), _request("b", 60.0, False, 1.0, 2.0)
    assert isinstance(store.acquire_now((first,), 0.0), Acquired)
    before = dict(store._counters)
    refused = store.acquire_now((first, _request("c", 60.0, False, 5.0, 1.0), tight), 1.0)
    assert isinstance(refused, Refused) and refused.request is tight
    assert store._counters == before and len(store) == 1


def test_the_same_tuple_in_the_same_windows_gives_the_same_acquired() -> None:
    store = MemoryCounterStore()
    limits = (_request("a", 60.0, False, 100.0, 1.0), _request("b", 86400.0, True, 100.0, 1.0))
    first = store.acquire_now(limits, 10.0)
    assert store.acquire_now(limits, 20.0) is first
    later = store.acquire_now(limits, 70.0)  # the next minute: another window, another Acquired
    assert isinstance(later, Acquired) and later is not first and later.taken[0].bucket == 1
