"""What a policy would do to a sequence of calls, without upstreams: decide, then take limits in memory.

``Simulator.step(call, now)`` runs one call the way the gateway's decision steps do — the policy's
decision, then (for a call that goes ahead) its rate limits, all at once, in an in-memory counter
store — and returns a ``Verdict``: ``allow``, ``deny``, ``hide``, ``require_approval`` or ``limit``
(denied by a rate limit). Pure and synchronous: the caller passes the clock. Used by policy tests
(``policy test``) and by the replay of a draft over the audit trail (``policy replay``).

A held call (``require_approval``) takes no quota unless the caller says it was approved (the gateway
takes the limits of a held call only once a person approved it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from portcullis.limits.memory import MemoryCounterStore
from portcullis.limits.model import Refused
from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import Decision, ToolCall
from portcullis.policy.enforce import refused_decision
from portcullis.policy.sessions import SessionTracker, combine, effective_tags
from portcullis.quickinit import quick_init

__all__ = ["Simulator", "Verdict", "VerdictKind"]

TagsOf = Callable[[str, str], Collection[str]]
VerdictKind = str  # "allow" | "deny" | "hide" | "require_approval" | "limit"


@quick_init
@dataclass(frozen=True, slots=True)
class Verdict:
    """The end of one simulated call: ``kind`` and the decision that made it (the limit's, for ``limit``)."""

    kind: VerdictKind
    decision: Decision

    @property
    def rule(self) -> str:
        return self.decision.rule

    @property
    def reason(self) -> str:
        return self.decision.reason


class Simulator:
    """One policy, one in-memory counter store and session history: calls stepped through in time order.

    ``tags_of(server, tool)`` gives the data-flow tags the classifier proposed for a tool (the policy's
    ``tags:`` win over them); without it, only the policy's tags count.
    """

    def __init__(self, policy: CompiledPolicy, tags_of: TagsOf | None = None) -> None:
        self.policy = policy
        self.store = MemoryCounterStore()
        self.sessions = SessionTracker()
        self.tags_of = tags_of
        self._session_rules = bool(policy.session_rules)

    def step(self, call: ToolCall, now: float, *, approved: bool = False) -> Verdict:
        """Decide ``call`` at ``now``; take its limits when it goes ahead (or was ``approved``)."""
        policy = self.policy
        decision = policy.decide(call)
        tags: Collection[str] = ()
        if decision.action != "hide" and (self._session_rules or policy.tool_session(call.server, call.tool).loop):
            proposed = self.tags_of(call.server, call.tool) if self.tags_of is not None else ()
            tags = effective_tags(policy, call.server, call.tool, proposed)
            decision = combine(decision, self.sessions.check(policy, call, now, tags))
        action = decision.action
        if action == "hide" or action == "deny":
            return Verdict(action, decision)
        if action == "require_approval" and not approved:
            return Verdict("require_approval", decision)
        if decision.limits:
            got = self.store.acquire_now(decision.limits, now)
            if isinstance(got, Refused):
                return Verdict("limit", refused_decision(decision, got))
        if tags:
            self.sessions.flowed(call, tags, now)
        return Verdict("allow" if action == "allow" else "require_approval", decision)

    def constant(self, server: str, tool: str) -> Verdict | None:
        """The verdict on every call of a tool whatever its arguments, time and session, when there is one:
        a decision with no argument rule and no limit, and no loop or session rule to follow (no state)."""
        policy = self.policy
        decision = policy.static_decision(server, tool)
        if decision is None or decision.limits or self._session_rules or policy.tool_session(server, tool).loop:
            return None
        return Verdict(decision.action, decision)
