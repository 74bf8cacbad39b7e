"""Window arithmetic shared by every counter store (the Redis Lua script mirrors it line for line).

A counter keeps three numbers: the index of its current window (``bucket = floor(now / window)``), the
amount used in that window, and the amount used in the window before it.

- Sliding-window counter (short windows): the use at ``now`` is estimated as
  ``current + previous * (1 - elapsed / window)``, i.e. the previous window's use weighted by how much
  of it still overlaps a window ending now.
- Aligned fixed window (``day``): only ``current`` counts; windows start at midnight UTC because the
  Unix epoch does.

A call passes when ``use + cost <= max``. Pure functions only: the caller passes ``now``. ``taken`` is
``check`` and taking for all the limits of a call at once, without the ``Check``s (the in-memory store's path).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from portcullis._plumbing.durations import format_duration, parse_duration
from portcullis.limits.model import LimitRequest

__all__ = [
    "WINDOW_SECONDS",
    "Check",
    "State",
    "check",
    "parse_window",
    "released",
    "sweepable",
    "taken",
    "usage",
]

WINDOW_SECONDS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_WINDOW_NAMES = {seconds: name for name, seconds in WINDOW_SECONDS.items()}

State = tuple[int, float, float]  # (bucket, used in that bucket, used in the bucket before)


def parse_window(value: object) -> tuple[float, bool, str] | str:
    """A window in the duration grammar (``_plumbing.durations``) → ``(seconds, aligned, label)``; errors as text.

    ``"minute"``, ``"1m"`` and ``60`` are the same window. A window of exactly one day (``day``, ``1d``,
    ``24h``, ``86400``) is the calendar day, aligned on midnight UTC; every other one slides.
    """
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        return str(exc)
    if seconds <= 0:
        return f"window must be longer than 0, got {value!r}"
    label = _WINDOW_NAMES.get(seconds) or format_duration(seconds)
    return seconds, seconds == WINDOW_SECONDS["day"], label


@dataclass(slots=True)
class Check:
    """The outcome of checking one counter."""

    ok: bool
    bucket: int
    current: float
    previous: float
    used: float
    retry_after: float | None  # only when not ok; None means never


def check(state: State | None, window: float, aligned: bool, limit: float, cost: float, now: float) -> Check:
    """Would taking ``cost`` now stay within ``limit``? (Does not change anything.)"""
    bucket = math.floor(now / window)
    current = previous = 0.0
    if state is not None:
        if state[0] == bucket:
            current, previous = state[1], state[2]
        elif state[0] == bucket - 1:
            previous = state[1]
    elapsed = now - bucket * window
    used = current if aligned else current + previous * (window - elapsed) / window
    if used + cost <= limit:
        return Check(True, bucket, current, previous, used, None)
    return Check(
        False,
        bucket,
        current,
        previous,
        used,
        _retry_after(bucket, current, previous, window, aligned, limit, cost, now),
    )


def taken(
    states: Mapping[str, State], requests: Sequence[LimitRequest], now: float
) -> tuple[dict[str, State], list[int]] | int:
    """Every request checked against ``states`` as they are before the call: when each passes, the new states
    of their counters (to write; the last request of a counter wins) and the window each took from, in order.
    Else the index of the first request that does not pass.

    The same arithmetic as ``check``, step for step, so that the numbers are the same to the last bit;
    no ``Check`` is made (the in-memory store's path).
    """
    floor = math.floor
    after: dict[str, State] = {}
    buckets: list[int] = []
    for r in requests:
        key, window = r.key, r.window
        bucket = floor(now / window)
        current = previous = 0.0
        state = states.get(key)
        if state is not None:
            if state[0] == bucket:
                current, previous = state[1], state[2]
            elif state[0] == bucket - 1:
                previous = state[1]
        cost = r.cost
        used = current if r.aligned else current + previous * (window - (now - bucket * window)) / window
        if not (used + cost <= r.max):  # not ``>``: a NaN does not pass either
            return len(buckets)
        after[key] = (bucket, current + cost, previous)
        buckets.append(bucket)
    return after, buckets


def usage(state: State | None, window: float, aligned: bool, now: float) -> tuple[float, float | None]:
    """A counter's use at ``now`` (as ``check`` counts it) and when it is back to 0 (None: it is 0 already).

    An aligned window empties at its end; a sliding one when its last used window has slid out: the end of
    the next window after one with use. Reads only: nothing is taken and no window is advanced.
    """
    c = check(state, window, aligned, math.inf, 0.0, now)
    if c.used <= 0:
        return 0.0, None
    if aligned or c.current <= 0:
        return c.used, (c.bucket + 1) * window
    return c.used, (c.bucket + 2) * window


def _retry_after(
    bucket: int, current: float, previous: float, window: float, aligned: bool, limit: float, cost: float, now: float
) -> float | None:
    if cost > limit:
        return None
    next_start = (bucket + 1) * window
    if aligned:
        return next_start - now
    if current + cost <= limit:  # wait until enough of the previous window slides out
        fraction = 1.0 - (limit - current - cost) / previous
        return max(0.0, bucket * window + fraction * window - now)
    # wait for the next window, where this window's use becomes the sliding "previous"
    fraction = 1.0 - (limit - cost) / current
    return next_start - now + fraction * window


def released(state: State | None, bucket: int, cost: float) -> State | None:
    """The state after giving back ``cost`` taken in ``bucket`` (nothing if that window is gone)."""
    if state is None:
        return None
    if state[0] == bucket:
        return (state[0], max(0.0, state[1] - cost), state[2])
    if state[0] == bucket + 1:
        return (state[0], state[1], max(0.0, state[2] - cost))
    return state


def sweepable(state: State, window: float, now: float) -> bool:
    """True when a counter no longer affects any decision and can be dropped."""
    return state[0] < math.floor(now / window) - 1
