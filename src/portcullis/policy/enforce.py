"""The bridge from a ``Decision`` to a ``CounterStore``: take a call's limits, or turn the decision into a denial.

The gateway calls ``take_limits`` after ``decide`` (and after approval, for ``require_approval``), or
``take_marked`` when a session rule's data flow lives in a shared store beside the counters,
forwards the call when the outcome is allowed, and calls ``settle`` once the call has ended. Quota is
given back only when the upstream provably did not run the tool (it was unavailable before the request
went out, or answered a JSON-RPC error); a timeout or a cancellation keeps it, as the upstream may
have acted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from portcullis.errors import StoreUnavailable
from portcullis.limits.model import Acquired, CounterStore, LimitRequest, MarkingStore, Marks, Refused, Stopped
from portcullis.policy.decision import Decision

__all__ = [
    "LimitOutcome",
    "refused_decision",
    "sessions_unchecked",
    "settle",
    "take_limits",
    "take_limits_now",
    "take_marked",
]

log = logging.getLogger("portcullis.limits")


@dataclass(frozen=True, slots=True)
class LimitOutcome:
    """``decision`` is what to act on: the one given, or a denial. ``acquired`` is the quota taken;
    ``refused`` the limit that denied the call (for metrics); ``stopped``: the session's marks stopped it."""

    decision: Decision
    acquired: Acquired | None = None
    refused: LimitRequest | None = None
    stopped: Stopped | None = None


async def take_limits(store: CounterStore, decision: Decision, now: float) -> LimitOutcome:
    """Take every limit of an allowed (or approved) call at once, or deny the call and take nothing.

    A store that cannot be reached denies the call (rule ``$.fail_open``) unless the policy says
    ``fail_open: true``, in which case the call goes ahead uncounted.
    """
    if _takes_nothing(decision):
        return LimitOutcome(decision, None)
    try:
        got = await store.acquire(decision.limits, now)
    except StoreUnavailable as exc:
        return _unreachable(decision, exc)
    return _taken(decision, got)


def take_limits_now(
    acquire_now: Callable[[Sequence[LimitRequest], float], Acquired | Refused], decision: Decision, now: float
) -> LimitOutcome:
    """``take_limits`` from a store in this process that takes without awaiting and cannot be unreachable
    (``MemoryCounterStore.acquire_now``): the same outcome, with no coroutine."""
    if _takes_nothing(decision):
        return LimitOutcome(decision, None)
    return _taken(decision, acquire_now(decision.limits, now))


def _takes_nothing(decision: Decision) -> bool:
    """A call that is not going ahead (denied, hidden) or has no limit takes nothing from the counters."""
    return decision.action not in ("allow", "require_approval") or not decision.limits


def _taken(decision: Decision, got: Acquired | Refused) -> LimitOutcome:
    if isinstance(got, Refused):
        return LimitOutcome(refused_decision(decision, got), refused=got.request)
    return LimitOutcome(decision, got)


async def take_marked(store: MarkingStore, decision: Decision, now: float, marks: Marks) -> LimitOutcome:
    """``take_limits`` with the session's ``marks`` checked first and set after, in the same step (one round
    trip to a shared store). Stopped by them: ``stopped`` says what the session has done, nothing was taken.

    A store that cannot be reached denies a call its marks may stop (session rules fail closed, whatever
    ``fail_open`` says); otherwise it is ``take_limits``'s outcome, and marks not set are logged.
    """
    if decision.action not in ("allow", "require_approval"):
        return LimitOutcome(decision, None)
    try:
        got = await store.acquire_marked(decision.limits, now, marks)
    except StoreUnavailable as exc:
        if marks.stop_if:
            return LimitOutcome(sessions_unchecked(decision, exc))
        log.warning("the data flow of a session could not be recorded (%s): later session rules may miss it", exc)
        return _unreachable(decision, exc) if decision.limits else LimitOutcome(decision, None)
    if isinstance(got, Stopped):
        return LimitOutcome(decision, stopped=got)
    if isinstance(got, Refused):
        return LimitOutcome(refused_decision(decision, got), refused=got.request)
    return LimitOutcome(decision, got)


def _unreachable(decision: Decision, exc: StoreUnavailable) -> LimitOutcome:
    if decision.fail_open:
        log.warning("rate limits not checked (fail_open): %s", exc.message)
        return LimitOutcome(decision, None)
    return LimitOutcome(
        replace(
            decision,
            action="deny",
            rule="$.fail_open",
            limits=(),
            argument=None,
            retry_after=None,
            reason=f"rate limits cannot be checked because {exc.message}, and the policy fails closed",
            hint="retry in a few seconds; if it keeps failing, tell a person that the rate-limit store is down",
        )
    )


def sessions_unchecked(decision: Decision, exc: StoreUnavailable) -> Decision:
    """The denial of a call a session rule watches when the shared data flow cannot be read (fail closed)."""
    return replace(
        decision,
        action="deny",
        rule="$.sessions",
        limits=(),
        argument=None,
        retry_after=None,
        reason=f"session rules cannot be checked because {exc.message}",
        hint="retry in a few seconds; if it keeps failing, tell a person that the session store (Redis) is down",
    )


def refused_decision(decision: Decision, refused: Refused) -> Decision:
    """The denial of a call whose limit ``refused`` it (what to do: retry after N seconds, or never)."""
    r = refused.request
    if refused.retry_after is None:
        hint = "this call can never pass this limit; make it smaller or ask a person"
    else:
        hint = f"retry after {max(1, math.ceil(refused.retry_after))} seconds"
    return replace(
        decision,
        action="deny",
        rule=r.rule,
        reason=refused.message(),
        hint=hint,
        limits=(),
        retry_after=refused.retry_after,
    )


async def settle(store: CounterStore, outcome: LimitOutcome, keep: bool) -> None:
    """Once the call has ended: keep the quota, or give it back when ``keep`` is False (never raises)."""
    if keep or outcome.acquired is None or not outcome.acquired.taken:
        return
    try:
        await store.release(outcome.acquired)
    except StoreUnavailable as exc:
        log.warning("could not give quota back: %s", exc.message)
