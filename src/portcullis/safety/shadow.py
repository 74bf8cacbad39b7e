"""Shadow policies: evaluated on every call beside the enforcing one, recorded, never enforced.

A grant's shadow policy is its ``shadow_policy`` draft, or the rules of its live policy marked
``"mode": "shadow"`` (``CompiledPolicy.shadow``). ``ShadowRunner.decide`` runs it through a
``Simulator`` of its own (its own in-memory limits and session history, so a shadow limit never spends
real quota) and answers what it would have decided, as the audit record's ``shadow`` field:
``{"decision", "rule", "reason"}``. ``shadow_differs(live, shadow)`` says whether the two disagree
(``approved`` live is a hold the person let through: the same as a shadow hold).
"""

from __future__ import annotations

from typing import Any

from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import ToolCall
from portcullis.policy.simulate import Simulator, TagsOf

__all__ = ["ShadowRunner", "live_class", "shadow_differs"]

_MAX_POLICIES = 64
_LIVE = {"approved": "require_approval"}


def live_class(decision: str) -> str:
    """A live audit decision in the shadow's terms."""
    return _LIVE.get(decision, decision)


def shadow_differs(live: str, shadow: dict[str, Any] | None) -> bool:
    return shadow is not None and live_class(live) != shadow.get("decision")


class ShadowRunner:
    def __init__(self, tags_of: TagsOf | None = None) -> None:
        self.tags_of = tags_of
        self._sims: dict[int, tuple[CompiledPolicy, Simulator]] = {}

    def _sim(self, policy: CompiledPolicy) -> Simulator:
        found = self._sims.get(id(policy))
        if found is None or found[0] is not policy:
            if len(self._sims) >= _MAX_POLICIES:
                self._sims.clear()
            found = self._sims[id(policy)] = (policy, Simulator(policy, self.tags_of))
        return found[1]

    def decide(self, shadow: CompiledPolicy, call: ToolCall, now: float, live: str) -> dict[str, Any]:
        """What ``shadow`` would have decided for ``call``; ``live`` is the decision the gateway made."""
        verdict = self._sim(shadow).step(call, now, approved=live == "approved")
        return {"decision": verdict.kind, "rule": verdict.rule, "reason": verdict.reason}
