"""The pure core of a replay: recorded calls in, in time order; per tool, what a draft policy would change.

Each recorded call is put in a class by what the gateway did then (``allow``, ``approved``, ``deny``,
``hide``, ``limit``, ``held``) and by what the draft does now, through a ``Simulator`` whose in-memory
limits see the calls in time order (a held call takes quota only if it was approved then). A call
whose class changes is counted under ``old→new`` for its tool, with a few examples.

Counted apart, never guessed:

- ``redacted``: the draft's rule for the tool reads the arguments (argument rules, a cost, or a loop
  rule comparing identical calls) and the record's arguments were redacted (a ``[REDACTED]`` value, or
  arguments that could not be stored as JSON);
- ``outside``: the recorded decision was not the policy's (a changed tool definition, arguments that do
  not fit the tool's own schema, an upstream that was down, a failing store, a call hidden by the
  gateway because the tool is unknown or out of the grant's reach), so the draft has nothing to compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from portcullis.audit.redact import REDACTED
from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import ToolCall
from portcullis.policy.simulate import Simulator, Verdict

__all__ = ["RecordedCall", "ReplayReport", "Replayer", "ToolReport"]

_OLD = {
    "allow": "allow",
    "approved": "approved",
    "deny": "deny",
    "hide": "hide",
    "limit": "limit",
    "require_approval": "held",
}
_NEW = {"allow": "allow", "deny": "deny", "hide": "hide", "limit": "limit"}
_NOT_POLICY = ("$.fail_open", "$.approvals", "$.grants")
_UNSTORABLE = '"unstorable_arguments"'
_MARKS = (REDACTED, _UNSTORABLE)  # in arguments the audit could not keep as they came
_MARKS_B = (REDACTED.encode(), _UNSTORABLE.encode())
_NO_ARGUMENTS: dict[str, Any] = {}
LABELS = {
    "allow→deny": "allowed → denied",
    "deny→allow": "denied → allowed",
    "allow→held": "now held for approval",
    "allow→limit": "now rate-limited",
}


class RecordedCall(NamedTuple):
    """One audit record as the replay needs it; ``arguments`` is the stored JSON text. A plain tuple in
    this order (a SQLite row) is accepted as well."""

    id: Any
    time: float
    grant: str | None
    session: str
    server: str
    tool: str
    arguments: bytes | str
    decision: str
    rule: str
    outcome: str


@dataclass
class ToolReport:
    calls: int = 0
    changed: int = 0
    redacted: int = 0
    transitions: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class _Tool(NamedTuple):
    report: ToolReport
    needs_arguments: bool  # the draft's rule for the tool reads them
    constant: Verdict | None  # the draft's verdict on every call of the tool, when it is one


@dataclass
class ReplayReport:
    """What a draft would have decided differently; ``read`` records in the chosen span."""

    draft: str
    read: int = 0
    compared: int = 0
    changed: int = 0
    redacted: int = 0
    outside: int = 0
    first: float | None = None
    last: float | None = None
    tools: dict[str, ToolReport] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.read == 0

    def transitions(self) -> dict[str, int]:
        """Every ``old→new`` with its count, over all tools."""
        out: dict[str, int] = {}
        for t in self.tools.values():
            for key, n in t.transitions.items():
                out[key] = out.get(key, 0) + n
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "draft": self.draft,
            "read": self.read,
            "compared": self.compared,
            "changed": self.changed,
            "redacted": self.redacted,
            "outside_policy": self.outside,
            "first": self.first,
            "last": self.last,
            "transitions": self.transitions(),
            "tools": {
                name: {
                    "calls": t.calls,
                    "changed": t.changed,
                    "redacted": t.redacted,
                    "transitions": t.transitions,
                    "examples": t.examples,
                }
                for name, t in sorted(self.tools.items())
                if t.changed or t.redacted
            },
        }


def _policy_rule(rule: str) -> bool:
    return (rule.startswith("$") and not rule.startswith(_NOT_POLICY)) or rule == "no-policy"


class Replayer:
    """Feed it recorded calls in time order (``feed``/``feed_all``); read ``report``."""

    def __init__(self, draft: CompiledPolicy, *, examples: int = 3) -> None:
        self.draft = draft
        self.sim = Simulator(draft)
        self.examples = examples
        self.report = ReplayReport(draft=draft.file)
        self._tools: dict[tuple[str, str], _Tool] = {}
        self._classes: dict[tuple[str, str, str], str | None] = {}

    def feed_all(self, records: Iterable[tuple[Any, ...]]) -> ReplayReport:
        """Feed every record (``RecordedCall`` or a tuple in its order), oldest first; the report."""
        feed = self.feed
        for record in records:
            feed(record)
        return self.report

    def _tool(self, server: str, tool: str) -> _Tool:
        found = self._tools[(server, tool)] = _Tool(
            self.report.tools.setdefault(f"{server}__{tool}", ToolReport()),
            self._needs_arguments(server, tool),
            self.sim.constant(server, tool),
        )
        return found

    def _needs_arguments(self, server: str, tool: str) -> bool:
        loop = self.draft.tool_session(server, tool).loop
        return self.draft.reads_arguments(server, tool) or (loop is not None and loop.identical > 0)

    def _old(self, decision: str, rule: str, outcome: str) -> str | None:
        old = _OLD.get(decision)
        found = self._classes[(decision, rule, outcome)] = (
            None if old is None or outcome == "parked" or not _policy_rule(rule) else old
        )
        return found

    def feed(self, record: tuple[Any, ...]) -> None:
        """One recorded call (the next in time order). A tool whose verdict is the same for every call (no
        argument rule, limit, loop or session rule of the draft) is not simulated: its arguments stay unread."""
        _, when, grant, session, server, tool, raw, decision, rule, outcome = record
        report = self.report
        report.read += 1
        if report.first is None:
            report.first = when
        report.last = when
        key = (decision, rule, outcome)
        old = self._classes[key] if key in self._classes else self._old(decision, rule, outcome)
        if old is None:
            report.outside += 1
            return
        found = self._tools.get((server, tool)) or self._tool(server, tool)
        counts = found.report
        counts.calls += 1
        verdict = found.constant
        if verdict is None:
            if found.needs_arguments:
                marks = _MARKS_B if isinstance(raw, bytes) else _MARKS
                if marks[0] in raw or marks[1] in raw:
                    counts.redacted += 1
                    report.redacted += 1
                    return
                arguments = orjson.loads(raw)
            else:
                arguments = _NO_ARGUMENTS
            verdict = self.sim.step(ToolCall(server, tool, arguments, grant, session), when, approved=old == "approved")
        report.compared += 1
        new = _NEW.get(verdict.kind) or ("approved" if old == "approved" else "held")
        if new != old:
            self._changed(counts, f"{old}→{new}", record, verdict)

    def _changed(self, counts: ToolReport, key: str, record: tuple[Any, ...], verdict: Verdict) -> None:
        rid, when, grant, session, _, _, raw, decision, rule, _ = record
        counts.changed += 1
        self.report.changed += 1
        counts.transitions[key] = counts.transitions.get(key, 0) + 1
        shown = counts.examples.setdefault(key, [])
        if len(shown) < self.examples:
            shown.append(
                {
                    "id": rid,
                    "time": when,
                    "grant": grant,
                    "session": session,
                    "arguments": orjson.loads(raw) if raw else {},
                    "was": {"decision": decision, "rule": rule},
                    "now": {"decision": verdict.kind, "rule": verdict.rule, "reason": verdict.reason},
                }
            )
