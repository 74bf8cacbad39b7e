"""Step 3b, session rules: loops and the session's data flow after the policy's decision; and the shadow
policy's decision for the record (issue 13). The logic lives in ``portcullis.safety``.

In memory, ``check`` applies the session rules (without awaiting: the common path stays synchronous) and
``went_ahead`` records the call's tags. With a Redis store, a call held for a person is first checked
against the shared data flow (``before_approval``), and the data flow is the call's ``marks`` in the limit
step's script (one round trip for both); what it answers when a rule stops the call is turned into the
rule's hold or denial by ``stopped``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from portcullis.catalog.catalog import Catalog
from portcullis.limits import CounterStore
from portcullis.limits.model import MarkingStore, Marks, Stopped
from portcullis.metrics import Metrics
from portcullis.pipeline.guard import CallInfo, asked
from portcullis.pipeline.policies import PolicySet
from portcullis.policy import Decision
from portcullis.safety import SessionSafety, ShadowRunner, shared_flow
from portcullis.safety.shadow import live_class

__all__ = ["SessionStep"]


class SessionStep:
    def __init__(
        self, policies: PolicySet, catalog: Catalog | None, store: CounterStore, metrics: Metrics | None
    ) -> None:
        self.policies = policies
        self.catalog = catalog
        self.metrics = metrics
        self.safety = SessionSafety(self._tags_of, shared_flow(store))
        self.shadows = ShadowRunner(self._tags_of)
        self.marking: MarkingStore | None = self.safety.flow.store if self.safety.flow is not None else None

    def _tags_of(self, server: str, tool: str) -> tuple[str, ...]:
        entry = self.catalog.entry(server, tool) if self.catalog is not None else None
        return entry.classification.tags if entry is not None else ()

    def check(self, call: CallInfo, decision: Decision) -> tuple[Decision, Collection[str]]:
        """The decision after the session rules kept in this process (loops, the in-memory data flow);
        with a shared store, a decision that asks a person is checked by ``before_approval`` next."""
        return self.safety.check(self.policies.for_call(call), asked(call), decision, call.wall_time)

    def checks_before_approval(self, decision: Decision) -> bool:
        """Whether ``before_approval`` has work for ``decision``: a shared data flow, and a person to ask."""
        return self.safety.flow is not None and decision.action == "require_approval"

    async def before_approval(self, call: CallInfo, decision: Decision, tags: Collection[str]) -> Decision:
        """With a shared store: the session's data flow checked before a person is asked."""
        return await self.safety.before_approval(self.policies.for_call(call), asked(call), decision, tags)

    def marks(self, call: CallInfo, tags: Collection[str]) -> Marks | None:
        """With a shared store: the session's data flow, for the limits' script to check and record."""
        if self.safety.flow is None or not tags:
            return None
        return self.safety.marks(self.policies.for_call(call), asked(call), tags, call.wall_time)

    def stopped(self, call: CallInfo, decision: Decision, tags: Collection[str], stopped: Stopped) -> Decision:
        """The decision once the shared data flow stopped the call (a session rule's hold or denial)."""
        policy = self.policies.for_call(call)
        return self.safety.stopped(policy, asked(call), decision, tags, stopped)

    def went_ahead(self, call: CallInfo, tags: Collection[str]) -> None:
        """In memory: the call's tags join its session's data flow (a shared store recorded them already)."""
        if tags:
            self.safety.went_ahead(asked(call), tags, call.wall_time)

    def shadow(self, call: CallInfo, live: str) -> dict[str, Any] | None:
        """What the grant's shadow policy would have decided (counted in /metrics), or None."""
        grant = call.client.grant
        shadow = self.policies.shadow_for(grant, self.policies.for_call(call))
        if shadow is None:
            return None
        would = self.shadows.decide(shadow, asked(call), call.wall_time, live)
        if self.metrics is not None:
            self.metrics.shadow(call.server, call.tool, live_class(live), would["decision"])
        return would
