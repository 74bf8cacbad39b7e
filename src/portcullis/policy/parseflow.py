"""Read the session parts of a policy: ``loop``, ``tags`` and ``mode`` of a tool entry, and ``sessions``.

Used by ``policy.parse``; every problem goes to its ``problem(path, message)`` with its JSON path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from portcullis._plumbing.durations import parse_duration
from portcullis.config.source import join_path
from portcullis.policy.flow import FLOW_TAGS, LoopSpec, SessionRuleSpec

__all__ = ["parse_loop", "parse_mode", "parse_sessions", "parse_tags"]

Report = Callable[[str, str], None]

_LOOP_KEYS = {"identical", "window", "in_a_row"}
_SESSION_KEYS = {"name", "after", "then", "action", "reason", "description"}
_DEFAULT_LOOP_WINDOW = 600.0


def _count(report: Report, path: str, value: Any, what: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        report(path, f"'{what}' must be a whole number of calls, 1 or more; got {value!r}")
        return None
    return value


def parse_loop(report: Report, path: str, raw: Any) -> LoopSpec | None:
    """``loop: {identical: N, window: 10m, in_a_row: M}``."""
    if not isinstance(raw, dict):
        report(path, "must be a map {identical: N, window: 10m, in_a_row: M}")
        return None
    for key in raw:
        if key not in _LOOP_KEYS and not str(key).startswith("_"):
            report(join_path(path, str(key)), f"unknown key '{key}' (known keys: identical, in_a_row, window)")
    if "identical" not in raw and "in_a_row" not in raw:
        report(path, "a loop rule needs 'identical' (N identical calls) and/or 'in_a_row' (M calls to one tool)")
        return None
    identical = _count(report, join_path(path, "identical"), raw.get("identical", 1), "identical")
    in_a_row = None
    if raw.get("in_a_row") is not None:
        in_a_row = _count(report, join_path(path, "in_a_row"), raw["in_a_row"], "in_a_row")
        if in_a_row is None:
            return None
    window = _DEFAULT_LOOP_WINDOW
    if raw.get("window") is not None:
        try:
            window = parse_duration(str(raw["window"]))
        except ValueError as exc:
            report(join_path(path, "window"), str(exc))
            return None
    if identical is None:
        return None
    return LoopSpec(identical if "identical" in raw else 0, window, in_a_row, path)


def parse_tags(report: Report, path: str, raw: Any) -> tuple[str, ...] | None:
    """``tags: [private_data, …]`` (``[]``: none)."""
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        report(path, f"must be a list of data-flow tags ({', '.join(FLOW_TAGS)})")
        return None
    unknown = [t for t in raw if t not in FLOW_TAGS]
    if unknown:
        report(path, f"unknown data-flow tag(s) {', '.join(unknown)} (known: {', '.join(FLOW_TAGS)})")
        return None
    return tuple(dict.fromkeys(raw))


def parse_mode(report: Report, path: str, raw: Any) -> bool:
    """``mode: shadow`` → True; ``mode: enforce`` (the default) → False."""
    if raw is None or raw == "enforce":
        return False
    if raw == "shadow":
        return True
    report(path, f"mode must be 'enforce' (the default) or 'shadow'; got {raw!r}")
    return False


def parse_sessions(report: Report, path: str, raw: Any) -> list[SessionRuleSpec]:
    """``sessions: [{name, after: [tags], then: tag, action: require_approval|deny, reason}]``."""
    if not isinstance(raw, list):
        report(path, "must be a list of session rules {name, after, then, action}")
        return []
    out = []
    for i, item in enumerate(raw):
        rule = _session_rule(report, join_path(path, i), item, i)
        if rule is not None:
            out.append(rule)
    return out


def _session_rule(report: Report, path: str, raw: Any, index: int) -> SessionRuleSpec | None:
    if not isinstance(raw, dict):
        report(path, "a session rule is a map {name, after: [tags], then: tag, action}")
        return None
    ok = True
    for key in raw:
        if key not in _SESSION_KEYS and not str(key).startswith("_"):
            report(join_path(path, str(key)), f"unknown key '{key}' (known keys: {', '.join(sorted(_SESSION_KEYS))})")
            ok = False
    after = parse_tags(report, join_path(path, "after"), raw.get("after"))
    if after is not None and not after:
        report(join_path(path, "after"), "needs at least one tag the session must have read")
        after = None
    then = raw.get("then")
    if then not in FLOW_TAGS:
        report(join_path(path, "then") if "then" in raw else path, f"'then' must be one tag of {', '.join(FLOW_TAGS)}")
        ok = False
    action = raw.get("action", "require_approval")
    if action not in ("require_approval", "deny"):
        report(join_path(path, "action"), f"action must be require_approval or deny; got {action!r}")
        ok = False
    name = raw.get("name", f"sessions[{index}]")
    reason = raw.get("reason")
    if not isinstance(name, str) or (reason is not None and not isinstance(reason, str)):
        report(path, "'name' and 'reason' must be strings")
        ok = False
    if not ok or after is None:
        return None
    return SessionRuleSpec(name, after, cast(str, then), action, reason, path)
