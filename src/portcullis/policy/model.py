"""The shape of a policy once parsed and validated (the README's "Policy and rate limits"); ``policy.parse`` builds it.

These are plain data: where each piece came from (``location``, a JSON path into the file) travels
with it so that every decision can name the rule that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from portcullis.limits.model import Scope
from portcullis.policy.flow import LoopSpec, SessionRuleSpec
from portcullis.policy.glob import Selector

if TYPE_CHECKING:
    from portcullis.screening.settings import ScreeningSettings

__all__ = ["ConditionSpec", "DenyIfSpec", "HideSpec", "LimitSpec", "PolicyModel", "RuleAction", "ToolRule"]

RuleAction = Literal["allow", "deny", "require_approval"]


@dataclass(frozen=True)
class ConditionSpec:
    """``{path: args.a.b, op, value}``: ``path`` is the part after ``args.``, split on dots."""

    path: tuple[str, ...]
    op: str
    value: Any
    location: str
    on_deny: str | None = None  # for ``require`` entries

    @property
    def argument(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class DenyIfSpec:
    """Deny when every condition holds."""

    conditions: tuple[ConditionSpec, ...]
    on_deny: str | None
    location: str
    name: str | None = None


@dataclass(frozen=True)
class LimitSpec:
    """One entry of ``limits`` (or the ``rate_limit`` shorthand)."""

    counter: str
    window: float
    aligned: bool
    window_label: str
    max: float
    scope: Scope
    cost: tuple[str, ...] | None  # the argument path after ``args.``
    location: str


@dataclass(frozen=True)
class ToolRule:
    """A key of ``tools`` (or of ``servers.<name>.tools``) with what it says; also used for ``all_tools``."""

    key: str
    selector: Selector
    action: RuleAction = "allow"
    reason: str | None = None
    hint: str | None = None
    args_schema: dict[str, Any] | None = None
    deny_if: tuple[DenyIfSpec, ...] = ()
    require: tuple[ConditionSpec, ...] = ()
    limits: tuple[LimitSpec, ...] = ()
    location: str = "$"
    order: int = 0
    loop: LoopSpec | None = None
    tags: tuple[str, ...] | None = None  # data-flow tags set by the policy (None: the classifier's)
    shadow: bool = False  # "mode": "shadow": evaluated beside the policy, enforces nothing


@dataclass(frozen=True)
class HideSpec:
    """An entry of ``hide`` (or of ``servers.<name>.hide``)."""

    selector: Selector
    location: str
    order: int


@dataclass(frozen=True)
class PolicyModel:
    """A whole validated policy."""

    file: str
    default: Literal["allow", "deny"] = "deny"
    rules: tuple[ToolRule, ...] = ()
    hides: tuple[HideSpec, ...] = ()
    all_tools: ToolRule | None = None
    fail_open: bool = False
    shadow: bool = False  # the whole file is "mode": "shadow"
    screening: ScreeningSettings | None = None  # what this policy does with results carrying secrets or instructions
    sessions: tuple[SessionRuleSpec, ...] = ()
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
