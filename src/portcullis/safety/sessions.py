"""Loop rules and session rules on the gateway's call path (the pure parts are ``policy.sessions``).

``check`` runs after the policy's decision: it may turn it into a loop denial, or a session rule's
hold or denial, and answers the call's data-flow tags (the policy's ``tags:``, else the classifier's,
read from the catalogue). ``went_ahead`` records those tags once the call was let through. Loop
history lives in this process; the data flow too, unless a ``RedisFlowStore`` is given (a Redis
counter store): then every replica sharing it sees the same sessions (``safety.flowstore``). A
session store that cannot be read refuses the calls a session rule watches (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from portcullis.errors import StoreUnavailable
from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import Decision, ToolCall
from portcullis.policy.sessions import SessionTracker, combine, flow_decision

if TYPE_CHECKING:
    from portcullis.safety.flowstore import RedisFlowStore

__all__ = ["SessionSafety", "TagsOf"]

TagsOf = Callable[[str, str], Collection[str]]  # (server, tool) → the classifier's proposed tags


class SessionSafety:
    def __init__(self, tags_of: TagsOf | None = None, flow: RedisFlowStore | None = None) -> None:
        self.tracker = SessionTracker(shared_flow=flow is not None)
        self.tags_of = tags_of
        self.flow = flow

    def check(
        self, policy: CompiledPolicy, call: ToolCall, decision: Decision, now: float
    ) -> tuple[Decision, Collection[str]]:
        """The decision with the session's rules applied (in memory), and the call's data-flow tags.

        With a shared store, ``shared_check`` then applies the session rules on the shared data flow."""
        if decision.action == "hide":
            return decision, ()
        rules = policy.session_rules
        own = policy.tool_session(call.server, call.tool)
        if not rules and own.loop is None:
            return decision, ()
        tags: Collection[str] = own.tags if own.tags is not None else ()
        if own.tags is None and rules and self.tags_of is not None:
            tags = self.tags_of(call.server, call.tool)
        extra = self.tracker.check(policy, call, now, tags)
        return (decision if extra is None else combine(decision, extra)), tags

    async def shared_check(
        self, policy: CompiledPolicy, call: ToolCall, decision: Decision, tags: Collection[str]
    ) -> Decision:
        """The session rules on the data flow every replica shares (one read, only for a watched tool)."""
        rules = policy.session_rules
        if self.flow is None or decision.action in ("deny", "hide") or not any(r.then in tags for r in rules):
            return decision
        try:
            extra = flow_decision(rules, call.name, tags, await self.flow.seen(call))
        except StoreUnavailable as exc:
            extra = Decision("deny", "$.sessions", f"session rules cannot be checked: {exc.message}", exc.hint)
        return combine(decision, extra)

    def went_ahead(self, call: ToolCall, tags: Collection[str], now: float) -> None:
        """The call was let through: its session has now read (or sent) what its tags say (in memory)."""
        if tags and self.flow is None:
            self.tracker.flowed(call, tags, now)

    async def share(self, policy: CompiledPolicy, call: ToolCall, tags: Collection[str], now: float) -> None:
        """With a shared store: record the tags of a call that went ahead that a session rule waits for."""
        if self.flow is None or not tags:
            return
        watched = [t for t in tags if any(t in r.after for r in policy.session_rules)]
        if watched:
            await self.flow.add(call, watched, now)

    async def close(self) -> None:
        if self.flow is not None:
            await self.flow.close()
