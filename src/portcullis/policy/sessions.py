"""Rules that span calls: loops, and the session's data flow ("the lethal trifecta"). Pure, in memory.

A session is a legacy session, or a grant's requests in the modern (stateless) era: the key is
(grant, session id), the id empty when stateless. Per session, ``SessionTracker`` keeps

- the run of identical calls (tool + canonical arguments) and of calls to one tool, for ``loop`` rules;
- which data-flow tags the session has read, and the first call that read each one.

``check(policy, call, now, tags)`` answers a denial (loop), a hold or denial (session rule), or None,
and records the call in the loop history (every call that reaches it, let through or not: a model that
repeats a denied call is still looping). ``flowed(call, tags, now)`` records the tags of a call that
went ahead. ``tags`` are the tool's data-flow tags: the policy's ``tags:`` when it sets them, else the
classifier's (the caller passes those). State is bounded: the least recently used sessions are dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import orjson

from portcullis._plumbing.durations import format_duration
from portcullis._plumbing.isotime import iso
from portcullis.policy.compile import CompiledPolicy, ToolSession
from portcullis.policy.decision import Decision, ToolCall
from portcullis.policy.flow import LoopSpec, SessionRuleSpec

__all__ = ["SessionTracker", "combine", "effective_tags", "flow_decision"]

_MAX_SESSIONS = 100_000
_TAG_WORDS = {"private_data": "private data", "untrusted_content": "untrusted content", "external_comm": "data out"}
_THEN_WORDS = {
    "private_data": "reads private data",
    "untrusted_content": "reads untrusted content",
    "external_comm": "sends data out",
}


@dataclass(slots=True)
class _History:
    last_args: Any = None  # the arguments of the last call (compared as canonical JSON when equal as dicts)
    run: list[float] = field(default_factory=list)  # times of the run of identical calls (newest last)
    last_tool: str = ""
    tool_run: int = 0
    seen: dict[str, tuple[str, float]] = field(default_factory=dict)  # tag → (tool, time) that first read it
    # (tool, rules) → the session rules' answer, kept until the session reads a new tag
    held: dict[tuple[str, int], Decision | None] = field(default_factory=dict)


def effective_tags(policy: CompiledPolicy, server: str, tool: str, proposed: Collection[str] = ()) -> Collection[str]:
    """The tool's data-flow tags: the policy's when it sets them, else those the classifier proposed."""
    own = policy.tool_session(server, tool).tags
    return own if own is not None else proposed


def flow_decision(
    rules: tuple[SessionRuleSpec, ...], name: str, tags: Collection[str], seen: dict[str, tuple[str, float]]
) -> Decision | None:
    """The hold or denial of the first session rule that applies to a call of ``name`` (tagged ``tags``)."""
    for rule in rules:
        if rule.then in tags and all(t in seen for t in rule.after):
            causes = "; ".join(f"{_TAG_WORDS[t]} by {seen[t][0]} at {iso(seen[t][1])}" for t in rule.after)
            reason = rule.reason or (
                f"session rule '{rule.name}': this session has already read {causes}, and '{name}' "
                f"{_THEN_WORDS[rule.then]}"
            )
            if rule.reason:
                reason = f"{rule.reason} (earlier in this session: {causes})"
            if rule.action == "deny":
                hint = "do not send this data out from this session; start a new session or ask a person"
            else:
                hint = "wait for a person to approve the call, then retry the same call"
            return Decision(rule.action, rule.location, reason, hint, tool=name)
    return None


def combine(decision: Decision, extra: Decision | None) -> Decision:
    """The policy's decision with a session check's on top: a denial wins; a hold replaces an allow (the
    call's limits are kept, to be taken once approved); the policy's own denial or hiding stands."""
    if extra is None or decision.action in ("deny", "hide"):
        return decision
    if extra.action == "deny":
        return extra
    # built directly: ``dataclasses.replace`` costs several times as much, on every held call
    return Decision(
        extra.action,
        extra.rule,
        extra.reason,
        extra.hint,
        decision.limits,
        extra.tool,
        extra.argument,
        extra.retry_after,
        decision.fail_open,
    )


class SessionTracker:
    """The per-session history behind loop rules and session rules, in this process."""

    def __init__(self, max_sessions: int = _MAX_SESSIONS, *, shared_flow: bool = False) -> None:
        self._sessions: OrderedDict[tuple[str | None, str], _History] = OrderedDict()
        self._max = max_sessions
        self.shared_flow = shared_flow  # the data flow lives in a shared store (the caller checks it there)

    def _history(self, call: ToolCall) -> _History:
        key = (call.grant, call.session)
        found = self._sessions.get(key)
        if found is None:
            found = self._sessions[key] = _History()
            if len(self._sessions) > self._max:
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(key)
        return found

    def seen(self, call: ToolCall) -> dict[str, tuple[str, float]]:
        """The tags this call's session has read (tag → the first tool and time)."""
        found = self._sessions.get((call.grant, call.session))
        return found.seen if found is not None else {}

    def check(
        self,
        policy: CompiledPolicy,
        call: ToolCall,
        now: float,
        tags: Collection[str] = (),
        own: ToolSession | None = None,
    ) -> Decision | None:
        """A loop denial, a session rule's hold or denial, or None; the call joins the loop history.
        ``own``: the tool's ``policy.tool_session``, when the caller has looked it up already."""
        loop = (own or policy.tool_session(call.server, call.tool)).loop
        rules = policy.session_rules
        if loop is None and not rules:
            return None
        history = self._history(call)
        name = f"{call.server}__{call.tool}"
        found = _loop(loop, call, name, now, history) if loop is not None else None
        if found is None and rules and tags and history.seen and not self.shared_flow:
            key = (name, id(rules))
            if key in history.held:
                return history.held[key]
            found = history.held[key] = flow_decision(rules, key[0], tags, history.seen)
        return found

    def flowed(self, call: ToolCall, tags: Collection[str], now: float) -> None:
        """The call went ahead: its session has now read (or sent) what its tags say."""
        if not tags:
            return
        history = self._history(call)
        seen = history.seen
        for tag in tags:
            if tag not in seen:
                seen[tag] = (call.name, now)
                history.held.clear()


def _same(a: Any, b: Any) -> bool:
    """Identical arguments: equal as JSON with sorted keys (a dict comparison first: it is cheap and
    almost always decides; it cannot tell ``true`` from ``1``, which the canonical form then does)."""
    if a is b:
        return True
    if a != b:
        return False
    return bool(orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(b, option=orjson.OPT_SORT_KEYS))


def _loop(loop: LoopSpec, call: ToolCall, name: str, now: float, history: _History) -> Decision | None:
    """Update the session's runs with this call (``name``: its exposed name); a denial when it repeats too often."""
    same_tool = history.last_tool == name
    history.tool_run = history.tool_run + 1 if same_tool else 1
    history.last_tool = name
    if loop.identical:
        arguments = call.arguments
        if not (same_tool and _same(arguments, history.last_args)):
            history.run = []
        history.last_args = arguments
        run = history.run
        window = loop.window
        while run and now - run[0] > window:
            del run[0]
        repeated = len(run) >= loop.identical
        run.append(now)
        if len(run) > loop.identical:
            del run[0]
        if repeated:
            return Decision(
                "deny",
                f"{loop.location}.identical",
                f"'{name}' was just called {loop.identical} time(s) in a row with these same arguments "
                f"(within {format_duration(loop.window)}); repeating the call will not change its answer",
                "do not repeat it: change the arguments, use another tool, or stop and tell the user what is failing",
                tool=name,
            )
    if loop.in_a_row is not None and history.tool_run > loop.in_a_row:
        return Decision(
            "deny",
            f"{loop.location}.in_a_row",
            f"'{name}' was called {loop.in_a_row} time(s) in a row without any other tool in between",
            "step back: use another tool or tell the user where you are stuck before calling it again",
            tool=name,
        )
    return None
