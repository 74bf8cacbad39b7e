"""Loop rules and session rules on the gateway's call path (the pure parts are ``policy.sessions``).

``check`` runs after the policy's decision: it may turn it into a loop denial, or a session rule's
hold or denial, and answers the call's data-flow tags (the policy's ``tags:``, else the classifier's,
read from the catalogue). ``went_ahead`` records those tags once the call was let through. The
history lives in this process (``SessionTracker``); with a Redis store, the data flow is shared by
every replica (``safety.flowstore``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import Decision, ToolCall
from portcullis.policy.sessions import SessionTracker, combine

__all__ = ["SessionSafety", "TagsOf"]

TagsOf = Callable[[str, str], Collection[str]]  # (server, tool) → the classifier's proposed tags


class SessionSafety:
    def __init__(self, tags_of: TagsOf | None = None) -> None:
        self.tracker = SessionTracker()
        self.tags_of = tags_of

    def check(
        self, policy: CompiledPolicy, call: ToolCall, decision: Decision, now: float
    ) -> tuple[Decision, Collection[str]]:
        """The decision with the session's rules applied, and the call's data-flow tags."""
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

    def went_ahead(self, call: ToolCall, tags: Collection[str], now: float) -> None:
        """The call was let through: its session has now read (or sent) what its tags say."""
        if tags:
            self.tracker.flowed(call, tags, now)
