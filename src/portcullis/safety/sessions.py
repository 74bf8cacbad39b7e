"""Loop rules and session rules on the gateway's call path (the pure parts are ``policy.sessions``).

``check`` runs after the policy's decision: it may turn it into a loop denial, or a session rule's
hold or denial, and answers the call's data-flow tags (the policy's ``tags:``, else the classifier's,
read from the catalogue). ``went_ahead`` records those tags once the call was let through. Loop
history lives in this process; the data flow too, unless a ``FlowStore`` is given (a Redis counter
store): then every replica sharing it sees the same sessions, and the flow is checked and recorded by
the rate limits' own script (``marks`` for the limit step, ``stopped`` for what it answers), in the
same round trip. A session store that cannot be read refuses the calls a session rule watches (fail
closed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from portcullis.errors import StoreUnavailable
from portcullis.limits.model import Marks, Stopped
from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import Decision, ToolCall
from portcullis.policy.sessions import SessionTracker, combine, flow_decision
from portcullis.safety.flowstore import FlowStore, parse_seen

__all__ = ["SessionSafety", "TagsOf", "unchecked"]

TagsOf = Callable[[str, str], Collection[str]]  # (server, tool) → the classifier's proposed tags


def unchecked(exc: StoreUnavailable) -> Decision:
    """The denial of a call a session rule watches when the shared data flow cannot be read (fail closed)."""
    return Decision("deny", "$.sessions", f"session rules cannot be checked: {exc.message}", exc.hint)


class SessionSafety:
    def __init__(self, tags_of: TagsOf | None = None, flow: FlowStore | None = None) -> None:
        self.tracker = SessionTracker(shared_flow=flow is not None)
        self.tags_of = tags_of
        self.flow = flow

    def check(
        self, policy: CompiledPolicy, call: ToolCall, decision: Decision, now: float
    ) -> tuple[Decision, Collection[str]]:
        """The decision with the session's rules applied (in memory), and the call's data-flow tags.

        With a shared store, the limit step applies the session rules on the shared data flow (``marks``)."""
        if decision.action == "hide":
            return decision, ()
        rules = policy.session_rules
        own = policy.tool_session(call.server, call.tool)
        if not rules and own.loop is None:
            return decision, ()
        tags: Collection[str] = own.tags if own.tags is not None else ()
        if own.tags is None and rules and self.tags_of is not None:
            tags = self.tags_of(call.server, call.tool)
        extra = self.tracker.check(policy, call, now, tags, own)
        return (decision if extra is None else combine(decision, extra)), tags

    async def before_approval(
        self, policy: CompiledPolicy, call: ToolCall, decision: Decision, tags: Collection[str]
    ) -> Decision:
        """A call the policy holds for a person, with a shared store: the session rules on the shared data
        flow first (one read), so that a rule's denial, or its reason for the hold, comes before the person."""
        flow = self.flow
        if flow is None or decision.action != "require_approval" or not flow.watches(policy, tags):
            return decision
        try:
            seen = await flow.seen(policy, call, tags)
        except StoreUnavailable as exc:
            return combine(decision, unchecked(exc))
        return combine(decision, flow_decision(policy.session_rules, call.name, tags, seen))

    def marks(self, policy: CompiledPolicy, call: ToolCall, tags: Collection[str], now: float) -> Marks | None:
        """With a shared store: what the limits' script checks and records of the session's data flow."""
        return None if self.flow is None else self.flow.marks(policy, call, tags, now)

    def stopped(
        self, policy: CompiledPolicy, call: ToolCall, decision: Decision, tags: Collection[str], stopped: Stopped
    ) -> Decision:
        """The decision once the shared data flow stopped the call: a session rule's hold or denial on top."""
        return combine(decision, flow_decision(policy.session_rules, call.name, tags, parse_seen(stopped.seen)))

    def went_ahead(self, call: ToolCall, tags: Collection[str], now: float) -> None:
        """The call was let through: its session has now read (or sent) what its tags say (in memory)."""
        if tags and self.flow is None:
            self.tracker.flowed(call, tags, now)
