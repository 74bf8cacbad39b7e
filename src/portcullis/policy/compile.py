"""A policy compiled for deciding fast: ``compile_policy(model)`` / ``load_policy(path)`` → ``CompiledPolicy``.

``decide(call)`` is pure and synchronous: no I/O, no clock. What a ``(server, tool)`` name resolves to
(hidden? which entry?) is cached; arguments, grant and session are looked at on every call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from portcullis.limits.model import LimitRequest
from portcullis.policy.arguments import ArgumentRules
from portcullis.policy.conditions import MISSING, excerpt, json_number, resolve
from portcullis.policy.counters import ANONYMOUS, LimitTemplate
from portcullis.policy.decision import Action, Decision, ToolCall, new_decision
from portcullis.policy.flow import LoopSpec, SessionRuleSpec
from portcullis.policy.matcher import Matcher, Pattern
from portcullis.policy.model import LimitSpec, PolicyModel, ToolRule
from portcullis.policy.parse import read_policy

__all__ = ["CompiledPolicy", "ToolSession", "compile_policy", "deny_policy", "load_policy"]

_CACHE_SIZE = 65536
# Decisions remembered with their limits (see _dynamic): keyed by session too, so kept fewer (each holds its
# LimitRequests, about 1 KB): the calls a gateway repeats now are far fewer than its sessions over a day.
_MADE_SIZE = 4096


class _Rule:
    """A tool rule (or the default) ready to decide: its argument checks and limits, plus ``all_tools``'.

    What its granting decision says apart from the name (action, reason, hint) is worked out once.
    """

    __slots__ = (
        "action",
        "checks",
        "costs",
        "fail_open",
        "hint",
        "limits",
        "location",
        "merge",
        "per_session",
        "reason",
    )

    def __init__(
        self,
        rule: ToolRule | None,
        all_tools: tuple[ArgumentRules | None, tuple[LimitSpec, ...]],
        location: str,
        fail_open: bool,
    ) -> None:
        self.location = location
        self.action: Action = rule.action if rule is not None else "allow"
        if self.action == "require_approval":
            assert rule is not None
            self.reason = rule.reason or None  # None: it names the tool
            self.hint = rule.hint or "wait for a person to approve the call, then retry the same call"
        else:
            self.action = "allow"
            self.reason = f"allowed by {location}"
            self.hint = (rule.hint if rule is not None else None) or ""
        self.fail_open = fail_open
        own = ArgumentRules(rule) if rule is not None else None
        self.checks = tuple(c for c in (own, all_tools[0]) if c is not None and not c.empty)
        specs = (rule.limits if rule is not None else ()) + all_tools[1]
        self.limits = tuple(LimitTemplate.of(s) for s in specs)
        keys = [(t.counter_key, t.spec.scope, t.window_key) for t in self.limits]
        self.merge = len(set(keys)) != len(keys)
        # the limits whose cost is an argument, with its path, in order (the others cost 1)
        self.costs = tuple((t, t.spec.cost) for t in self.limits if t.spec.cost is not None)
        self.per_session = any(t.spec.scope == "session" for t in self.limits)

    def granted(self, name: str, limits: tuple[LimitRequest, ...]) -> Decision:
        """The decision that lets the call go ahead (or wait for approval), taking ``limits``."""
        reason = self.reason
        if reason is None:
            reason = f"calls to '{name}' need a person's approval"
        return new_decision(self.action, self.location, reason, self.hint, limits, name, self.fail_open)


# What a name resolves to: (hidden, the decision when it does not depend on the call's arguments, grant
# or session, else None; the rule that decides otherwise; the ``<server>__<tool>`` name). A plain tuple:
# one is made on the first call of every name.
_Resolved = tuple[bool, Decision | None, "_Rule | None", str]


@dataclass(frozen=True, slots=True)
class ToolSession:
    """What the session rules need of a tool: its loop rule and the data-flow tags the policy sets."""

    loop: LoopSpec | None
    tags: tuple[str, ...] | None  # None: the classifier's


class CompiledPolicy:
    """A validated policy ready to decide. Immutable; a reload builds a new one.

    Rules marked ``"mode": "shadow"`` are left out of this policy and kept, as if enforced, in
    ``shadow``: a policy evaluated beside it whose decisions are only recorded.
    """

    def __init__(self, model: PolicyModel, *, no_policy_reason: str | None = None) -> None:
        self.shadow: CompiledPolicy | None = None
        if any(r.shadow for r in model.rules):
            rehearsed = tuple(replace(r, shadow=False) for r in model.rules)
            self.shadow = CompiledPolicy(replace(model, rules=rehearsed, shadow=True))
            model = replace(model, rules=tuple(r for r in model.rules if not r.shadow))
        self.model = model
        self._sessions: dict[tuple[str, str], ToolSession] = {}
        self.fail_open = model.fail_open
        self._no_policy_reason = no_policy_reason
        patterns: list[Pattern[ToolRule | str]] = [Pattern(h.selector, 0, h.order, h.location) for h in model.hides]
        patterns += [Pattern(r.selector, 1 if r.action == "deny" else 2, r.order, r) for r in model.rules]
        self._matcher = Matcher(patterns)
        all_tools = model.all_tools
        extra = (
            ArgumentRules(all_tools) if all_tools is not None else None,
            all_tools.limits if all_tools is not None else (),
        )
        self._rules: dict[int, _Rule] = {
            id(r): _Rule(r, extra, r.location, model.fail_open) for r in model.rules if r.action != "deny"
        }
        self._default = _Rule(None, extra, "$.default", model.fail_open)
        # what decides for each position of the matcher: a hide's location, a denying rule, a rule that grants
        self._deciding: list[str | ToolRule | _Rule] = [
            p.value if isinstance(p.value, str) or p.value.action == "deny" else self._rules[id(p.value)]
            for p in self._matcher.patterns
        ]
        self._cache: dict[tuple[str, str], _Resolved] = {}
        self._made: dict[tuple[str, str, str], tuple[list[float], Decision]] = {}  # see _dynamic

    @property
    def file(self) -> str:
        return self.model.file

    @property
    def rule_count(self) -> int:
        return len(self.model.rules) + len(self.model.hides)

    def is_hidden(self, server: str, tool: str) -> bool:
        """True when ``tools/list`` must leave the tool out (and a call is answered as an unknown tool)."""
        return self._resolved(server, tool)[0]

    @property
    def session_rules(self) -> tuple[SessionRuleSpec, ...]:
        return self.model.sessions

    def tool_session(self, server: str, tool: str) -> ToolSession:
        """The loop rule and policy-set data-flow tags of a tool (cached)."""
        key = (server, tool)
        found = self._sessions.get(key)
        if found is None:
            best = self._matcher.best(server, tool)
            rule = best.value if best is not None and not isinstance(best.value, str) else None
            all_tools = self.model.all_tools
            loop = rule.loop if rule is not None and rule.loop is not None else (all_tools.loop if all_tools else None)
            if len(self._sessions) >= _CACHE_SIZE:
                self._sessions.clear()
            found = self._sessions[key] = ToolSession(loop, rule.tags if rule is not None else None)
        return found

    def static_decision(self, server: str, tool: str) -> Decision | None:
        """The decision on every call of this tool, when its arguments do not matter (None: they may)."""
        return self._resolved(server, tool)[1]

    def reads_arguments(self, server: str, tool: str) -> bool:
        """Whether the decision for this tool looks at the call's arguments (checks, or a limit's cost)."""
        _, decision, rule, _ = self._resolved(server, tool)
        if decision is not None or rule is None:
            return False
        return bool(rule.checks) or any(t.spec.cost is not None for t in rule.limits)

    def decide(self, call: ToolCall) -> Decision:
        """Allow, deny, require approval or hide — with the rule and the reason. Pure."""
        key = (call.server, call.tool)
        r = self._cache.get(key)
        if r is None:
            r = self._remember(key)
        if r[1] is not None:
            return r[1]
        assert r[2] is not None
        return self._dynamic(r[2], r[3], call)

    def verdict(self, server: str, tool: str) -> tuple[str, str]:
        """What the policy does with a tool whatever the call's arguments (for the console's catalogue):
        ``hide``, ``deny``, ``require_approval``, ``limit`` (allowed, with limits of its own), ``allow`` or
        ``no rule`` (no entry names it: the default decides) — and the JSON path of the deciding entry."""
        if self._no_policy_reason is not None:
            return "deny", "no-policy"
        best = self._matcher.best(server, tool)
        if best is None:
            return "no rule", "$.default"
        if isinstance(best.value, str):
            return "hide", best.value
        rule = best.value
        if rule.action != "allow":
            return rule.action, rule.location
        return ("limit" if rule.limits else "allow"), rule.location

    # -- resolution of a name (cached) -----------------------------------------------------------
    def _resolved(self, server: str, tool: str) -> _Resolved:
        key = (server, tool)
        found = self._cache.get(key)
        return found if found is not None else self._remember(key)

    def _remember(self, key: tuple[str, str]) -> _Resolved:
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        found = self._cache[key] = self._resolve(*key)
        return found

    def _resolve(self, server: str, tool: str) -> _Resolved:
        name = f"{server}__{tool}"
        if self._no_policy_reason is not None:
            reason = self._no_policy_reason
            return (
                False,
                new_decision("deny", "no-policy", reason, "ask a person to give this grant a policy", (), name, False),
                None,
                name,
            )
        position = self._matcher.position(server, tool)
        if position is None:
            if self.model.default == "deny":
                return (
                    False,
                    new_decision(
                        "deny",
                        "$.default",
                        f"'{name}' is not allowed: no entry of the policy names it and the default is deny",
                        "ask a person to add this tool to the policy",
                        (),
                        name,
                        False,
                    ),
                    None,
                    name,
                )
            rule = self._default
        else:
            deciding = self._deciding[position]
            if isinstance(deciding, str):
                hidden = new_decision("hide", deciding, "the tool is hidden by the policy", "", (), name, False)
                return True, hidden, None, name
            if isinstance(deciding, ToolRule):
                return (
                    False,
                    new_decision(
                        "deny",
                        deciding.location,
                        deciding.reason or f"the policy denies '{name}'",
                        deciding.hint or "do not retry; ask a person if this tool is needed",
                        (),
                        name,
                        False,
                    ),
                    None,
                    name,
                )
            rule = deciding
        if not rule.checks and not rule.limits:
            return False, rule.granted(name, ()), rule, name
        return False, None, rule, name

    # -- per call --------------------------------------------------------------------------------
    def _dynamic(self, rule: _Rule, name: str, call: ToolCall) -> Decision:
        """The decision on a call whose arguments, grant or session matter. Once its arguments have passed,
        the decision depends only on the name, the grant, the session (when a limit counts per session)
        and the costs: the last one of each name, grant and session is remembered with its costs, and
        given again while they are the same (a grant's calls repeat them)."""
        arguments = call.arguments
        for checks in rule.checks:
            failure = checks.check(arguments)
            if failure is not None:
                return Decision(
                    "deny",
                    failure.rule,
                    failure.reason,
                    failure.hint,
                    tool=name,
                    argument=failure.argument,
                    fail_open=rule.fail_open,
                )
        grant = call.grant if call.grant is not None else ANONYMOUS
        costs: list[float] = []
        for t, path in rule.costs:
            if len(path) == 1 and type(arguments) is dict:  # what ``resolve`` does, without the call
                value = arguments.get(path[0], MISSING)
            else:
                value = resolve(arguments, path)
            if type(value) is not float or not 0.0 <= value < math.inf:  # else it is the cost as it is
                value = _cost(value)
                if isinstance(value, str):
                    return _cost_failure(rule, t, name, value)
            costs.append(value)
        key = (name, grant, call.session if rule.per_session else "")
        last = self._made.get(key)
        if last is not None and last[0] == costs:
            return last[1]
        if len(self._made) >= _MADE_SIZE:
            self._made.clear()
        decision = rule.granted(name, self._requests(rule, grant, call.session, costs))
        self._made[key] = (costs, decision)
        return decision

    @staticmethod
    def _requests(rule: _Rule, grant: str, session: str, costs: list[float]) -> tuple[LimitRequest, ...]:
        spent = iter(costs)
        requests = [t.request(grant, session, 1.0 if t.spec.cost is None else next(spent)) for t in rule.limits]
        return tuple(_merge(requests) if rule.merge else requests)


def _cost_failure(rule: _Rule, t: LimitTemplate, name: str, problem: str) -> Decision:
    assert t.spec.cost is not None
    argument = ".".join(t.spec.cost)
    return Decision(
        "deny",
        t.spec.location,
        f"argument '{argument}' {problem}: it is the cost counted against the limit on '{t.spec.counter}'",
        f"call again with a number in '{argument}'",
        tool=name,
        argument=argument,
        fail_open=rule.fail_open,
    )


def _cost(value: Any) -> float | str:
    """The cost a call spends (a finite, non-negative JSON number), or why it cannot spend it: fail closed."""
    if value is MISSING:
        return "is required"
    number = json_number(value)
    if number is None:
        return f"must be a JSON number, got {excerpt(value)}"
    if number < 0:
        return f"must not be negative, got {excerpt(value)}"
    return number


def _merge(requests: list[LimitRequest]) -> list[LimitRequest]:
    """Limits of one call on the same counter count once: the largest cost against the smallest max."""
    by_key: dict[str, LimitRequest] = {}
    for r in requests:
        seen = by_key.get(r.key)
        if seen is None:
            by_key[r.key] = r
        else:
            tighter = r if r.max < seen.max else seen
            by_key[r.key] = LimitRequest(
                tighter.key,
                tighter.tag,
                tighter.counter,
                tighter.scope,
                tighter.scope_id,
                tighter.window,
                tighter.aligned,
                tighter.max,
                max(r.cost, seen.cost),
                tighter.rule,
                tighter.window_label,
            )
    return list(by_key.values())


def compile_policy(model: PolicyModel) -> CompiledPolicy:
    """Compile a validated policy."""
    return CompiledPolicy(model)


def load_policy(path: Path | str) -> CompiledPolicy:
    """Read, validate and compile a policy file; raises ``ConfigError`` listing every problem."""
    return CompiledPolicy(read_policy(Path(path)))


def deny_policy(reason: str = "this grant has no policy, so every call is denied") -> CompiledPolicy:
    """The policy of a grant without one: every call is denied, saying why."""
    return CompiledPolicy(PolicyModel(file="<no policy>"), no_policy_reason=reason)
