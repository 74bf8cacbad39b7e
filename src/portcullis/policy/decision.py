"""What the gateway asks the policy (``ToolCall``) and what it answers (``Decision``).

``new_decision`` makes a ``Decision`` about twice as fast as its constructor, for the decision path
(the first call of every name, every call whose limits depend on it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from portcullis.limits.model import LimitRequest
from portcullis.quickinit import quick_init

__all__ = ["Action", "Decision", "ToolCall", "new_decision"]

Action = Literal["allow", "deny", "require_approval", "hide"]


@quick_init
@dataclass(frozen=True, slots=True)
class ToolCall:
    """One ``tools/call`` as the policy sees it. ``grant`` is None for an unauthenticated local client."""

    server: str
    tool: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    grant: str | None = None
    session: str = ""

    @property
    def name(self) -> str:
        return f"{self.server}__{self.tool}"


@quick_init
@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's answer, with the rule that made it and why.

    ``rule`` is the JSON path of the deciding entry in the policy file (``$.tools.x``, ``$.default``,
    ``$.tools.x.deny_if[0]``, ``$.hide[2]``, ``no-policy``). ``limits`` are the counters to take if the
    call goes ahead. ``argument`` names the argument at fault when arguments were refused.
    """

    action: Action
    rule: str
    reason: str
    hint: str = ""
    limits: tuple[LimitRequest, ...] = ()
    tool: str = ""
    argument: str | None = None
    retry_after: float | None = None
    fail_open: bool = False

    @property
    def allowed(self) -> bool:
        return self.action == "allow"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for ``policy explain --json``, audit and ``_meta``)."""
        out: dict[str, Any] = {"decision": self.action, "rule": self.rule, "reason": self.reason, "tool": self.tool}
        if self.hint:
            out["hint"] = self.hint
        if self.argument is not None:
            out["argument"] = self.argument
        if self.retry_after is not None:
            out["retry_after"] = round(self.retry_after, 3)
        if self.limits:
            out["limits"] = [
                {
                    "counter": r.counter,
                    "scope": r.scope,
                    "scope_id": r.scope_id,
                    "window": r.window_label,
                    "max": r.max,
                    "cost": r.cost,
                    "rule": r.rule,
                }
                for r in self.limits
            ]
        return out


class _Filling:
    """A ``Decision`` being made: the same slots without the frozen guard, so that its fields are set as
    fast as a plain object's (a frozen class sets each through a descriptor call); its last line makes it
    the ``Decision`` it is, frozen like any other (the layouts are the same, so Python allows it)."""

    __slots__ = Decision.__slots__

    def __init__(
        self,
        action: Action,
        rule: str,
        reason: str,
        hint: str,
        limits: tuple[LimitRequest, ...],
        tool: str,
        fail_open: bool,
    ) -> None:
        self.action = action
        self.rule = rule
        self.reason = reason
        self.hint = hint
        self.limits = limits
        self.tool = tool
        self.argument = None
        self.retry_after = None
        self.fail_open = fail_open
        self.__class__ = Decision  # type: ignore[assignment]


# new_decision(action, rule, reason, hint, limits, tool, fail_open) == Decision(the same, argument=None,
# retry_after=None): a real, frozen Decision.
new_decision: Callable[[Action, str, str, str, tuple[LimitRequest, ...], str, bool], Decision] = _Filling  # type: ignore[assignment]
