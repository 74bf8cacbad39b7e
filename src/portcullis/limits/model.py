"""The data that crosses the counter-store boundary: what a call asks for, what it got, why it was refused.

A ``LimitRequest`` is fully resolved by the policy at decide time (counter key from the scope, cost from
the arguments), so a store only does arithmetic on numbers and never looks at a policy or a call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from portcullis.quickinit import quick_init

__all__ = [
    "Acquired",
    "CounterStore",
    "LimitRequest",
    "MarkingStore",
    "Marks",
    "Refused",
    "Scope",
    "Stopped",
    "Taken",
    "Usage",
]

Scope = Literal["grant", "session", "global"]


@quick_init
@dataclass(frozen=True, slots=True)
class LimitRequest:
    """One limit a call must pass: take ``cost`` from counter ``key`` if its window allows ``max``."""

    key: str  # the counter's identity in a store: counter name, scope and window
    tag: str  # keys with the same tag share a Redis Cluster slot (the grant, or "global")
    counter: str  # the counter name written in the policy
    scope: Scope
    scope_id: str  # the grant name, the session id, or "*" for global
    window: float  # seconds
    aligned: bool  # True: a fixed window aligned on UTC (``day``); False: a sliding-window counter
    max: float
    cost: float
    rule: str  # where in the policy this limit is written, e.g. ``$.tools.x.limits[0]``
    window_label: str = ""  # ``minute``, ``day``, ``90s`` … for messages

    def describe(self) -> str:
        """``30/minute on counter 'x' (per grant alice)`` — for messages and ``policy explain``."""
        who = {"grant": f"per grant {self.scope_id}", "session": "per session", "global": "for everyone"}[self.scope]
        return f"{_num(self.max)}/{self.window_label or _num(self.window) + 's'} on counter '{self.counter}' ({who})"


@quick_init
@dataclass(frozen=True, slots=True)
class Taken:
    """Quota taken from one counter: ``bucket`` is the window it was taken in, so it can be given back."""

    request: LimitRequest
    bucket: int


@quick_init
@dataclass(frozen=True, slots=True)
class Acquired:
    """Every limit of a call passed and its cost was taken."""

    taken: tuple[Taken, ...] = ()


@quick_init
@dataclass(frozen=True, slots=True)
class Refused:
    """A limit did not pass; nothing was taken from any counter of the call."""

    request: LimitRequest
    used: float  # the counter's current use in its window (estimated for sliding windows)
    retry_after: float | None  # seconds until the call would pass; None when it never can (cost > max)

    def message(self) -> str:
        """What the agent reads."""
        r = self.request
        if self.retry_after is None:
            return f"this call costs {_num(r.cost)}, more than the limit {r.describe()} allows in a whole window"
        return f"rate limit reached: {r.describe()}, {_num(self.used)} used"


@quick_init
@dataclass(frozen=True, slots=True)
class Usage:
    """A counter's use now, read without taking anything: ``used`` of ``request.max`` in its window, and when it
    is back to 0 (epoch seconds; None when nothing is used)."""

    request: LimitRequest
    used: float
    resets_at: float | None

    @property
    def remaining(self) -> float:
        return max(0.0, self.request.max - self.used)


@quick_init
@dataclass(frozen=True, slots=True)
class Marks:
    """What a session has done, kept beside the counters of a shared store and checked in the same step.

    ``key`` names the session's marks (mark → the value it was first set with). Before any limit is
    taken: when every mark of one of the ``stop_if`` groups is already set, the call stops (nothing
    taken, nothing marked: ``Stopped``). Once every limit passed: the ``add`` marks are set (the first
    value of a mark stays) to ``value``. Session rules use it for the data flow (``safety.flowstore``).
    """

    key: str
    stop_if: tuple[tuple[str, ...], ...] = ()
    add: tuple[str, ...] = ()
    value: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class Stopped:
    """A ``stop_if`` group of the call's ``Marks`` was all set: nothing was taken. ``seen``: mark → value."""

    seen: dict[str, str]


class CounterStore(Protocol):
    """Where rate-limit counters live: memory, SQLite or Redis. All limits of a call are taken together."""

    async def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        """Take every request's cost, or none of them. Raises ``StoreUnavailable`` when unreachable."""
        ...

    async def peek(self, requests: Sequence[LimitRequest], now: float) -> tuple[Usage, ...]:
        """Each request's counter as it is now, in order: read only (nothing taken, no window advanced, no
        expiry touched). Raises ``StoreUnavailable`` when unreachable."""
        ...

    async def release(self, acquired: Acquired) -> None:
        """Give quota back (the upstream call failed). Quota of a window already gone is not restored."""
        ...

    async def close(self) -> None: ...


def _num(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


class MarkingStore(CounterStore, Protocol):
    """A shared store that also keeps sessions' ``Marks`` (Redis): checked, limits taken and marks set at once."""

    async def acquire_marked(
        self, requests: Sequence[LimitRequest], now: float, marks: Marks
    ) -> Acquired | Refused | Stopped:
        """``acquire`` with the marks checked first and set after, in one step (one round trip)."""
        ...
