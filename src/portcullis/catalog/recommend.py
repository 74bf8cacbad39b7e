"""Turn a classified catalogue into a default-deny policy in the policy format (the README's "Policy and rate limits").

One entry per tool, keyed ``<server>__<tool>`` (or the bare tool name when prefixing is off), the
policy a security team would sign:

| the tool                                          | entry                                              |
|---------------------------------------------------|----------------------------------------------------|
| carries text aimed at the model or hidden Unicode | ``{"action": "require_approval", "reason": ...}`` |
| execute, destructive, financial, or critical      | ``{"action": "require_approval", "reason": ...}`` |
| write, or ``other`` (unplaced: treated as a write)| 30 calls/minute per grant (10 when level high)     |
| read                                              | ``{}`` (allowed, no limit; 30/min when raised)     |

Write, execute and unplaced tools also get ``loop: {identical: 3, window: 10m}``: the 4th identical call
in a row of a session is denied, telling the model to change course.

A consolidated tool whose operation argument offers destructive or financial values
(``method: delete_…``) gets a ``deny_if`` on those values and the treatment of its other operations
instead of needing approval for every call. Every entry carries ``_why`` (category, level, the rule
that decided the category, signals with their evidence), which the policy loader ignores.

``merge_recommendations`` keeps a policy living: it adds an entry for each tool that no entry of
the policy names yet (exactly, by glob, in a ``servers`` block or in ``hide``) and leaves every
existing entry as it is, hand-written or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portcullis.catalog.classify import POISONING_SIGNALS, Classification, OperationGuard
from portcullis.policy.matcher import Matcher, Pattern
from portcullis.policy.model import PolicyModel

__all__ = ["merge_recommendations", "policy_key", "recommend_entry", "recommend_policy"]

_LOOPED = ("write", "execute", "other")
_LOOP = {"identical": 3, "window": "10m"}
_RATE_BY_LEVEL: dict[str, int | None] = {"low": None, "medium": 30, "high": 10}
_HELD_REASON = {
    "execute": "Runs code, commands, queries or deployments: a person approves each call.",
    "destructive": "Destructive (deletes, cancels or overwrites): a person approves each call.",
    "financial": "Moves money: a person approves each call.",
}


def policy_key(server: str, tool: str, prefix: bool = True) -> str:
    """The name a policy uses for a tool: ``<server>__<tool>``, or the bare name when prefixing is off."""
    return f"{server}__{tool}" if prefix else tool


def _why(c: Classification) -> dict[str, Any]:
    why: dict[str, Any] = {"category": c.category, "level": c.level}
    if c.decided_by is not None:
        why["decided_by"] = c.decided_by.as_json()
    why["signals"] = [s.as_json() for s in c.signals]
    return why


def _limit(key: str, per_minute: int) -> dict[str, Any]:
    return {"limits": [{"counter": f"{key}_rate", "window": "minute", "max": per_minute, "scope": "grant"}]}


def _held(reason: str) -> dict[str, Any]:
    return {"action": "require_approval", "reason": reason}


def _poisoned(c: Classification) -> dict[str, Any] | None:
    fired = sorted({s.id for s in c.signals if s.id in POISONING_SIGNALS})
    if not fired:
        return None
    return _held(f"Its definition carries text aimed at the model ({', '.join(fired)}): a person approves each call.")


def _guarded(key: str, guard: OperationGuard) -> dict[str, Any]:
    """A consolidated tool: its dangerous operation values denied, its other operations treated by their risk."""
    values = list(guard.values)
    entry: dict[str, Any]
    if guard.rest in _HELD_REASON:
        entry = _held(_HELD_REASON[guard.rest])
    else:
        entry = {} if guard.rest == "read" else _limit(key, 30)
    entry["deny_if"] = [
        {
            "conditions": [{"path": f"args.{guard.argument}", "op": "in", "value": values}],
            "on_deny": f"'{guard.argument}' = {', '.join(values)} is {guard.category}: "
            "ask an operator to do it or to allow it",
        }
    ]
    return entry


def _entry(key: str, c: Classification) -> dict[str, Any]:
    poisoned = _poisoned(c)
    if poisoned is not None:
        return poisoned
    if c.guard is not None:
        return _guarded(key, c.guard)
    if c.category in _HELD_REASON:
        return _held(_HELD_REASON[c.category])
    if c.level == "critical":
        fired = ", ".join(sorted({s.id for s in c.signals if not s.id.endswith("-verb")}))
        return _held(f"Critical risk ({fired}): a person approves each call.")
    if c.category == "read":
        rate = _RATE_BY_LEVEL[c.level]
        return _limit(key, rate) if rate is not None else {}
    return _limit(key, 10 if c.level == "high" else 30)  # write, and other: unplaced is treated as a write


def recommend_entry(key: str, c: Classification) -> dict[str, Any]:
    """The recommended policy entry for one classified tool (``key`` names its rate counter)."""
    entry = _entry(key, c)
    if c.category in _LOOPED:  # a stuck agent repeats writes and commands: stop the 4th identical call
        entry["loop"] = dict(_LOOP)
    entry["_why"] = _why(c)
    return entry


def recommend_policy(tools: Iterable[tuple[str, Classification]], *, prefix: bool = True) -> dict[str, Any]:
    """A default-deny policy covering every ``(server, classification)`` given, keys sorted."""
    entries: dict[str, dict[str, Any]] = {}
    for server, c in sorted(tools, key=lambda item: (item[0], item[1].name)):
        key = policy_key(server, c.name, prefix)
        entries[key] = recommend_entry(key, c)
    return {"version": "1", "default": "deny", "tools": entries}


def _covers(model: PolicyModel) -> Matcher[None]:
    patterns = [Pattern(h.selector, 0, h.order, None) for h in model.hides]
    patterns += [Pattern(r.selector, 1 if r.action == "deny" else 2, r.order, None) for r in model.rules]
    return Matcher(patterns)


def merge_recommendations(
    document: dict[str, Any], model: PolicyModel, tools: Iterable[tuple[str, Classification]], *, prefix: bool = True
) -> tuple[dict[str, Any], list[str]]:
    """``document`` (a policy as read, ``model`` its validated form) with a recommended entry added under
    ``tools`` for every tool that no entry names yet; and the keys added. Existing entries are untouched."""
    covers = _covers(model)
    added: dict[str, dict[str, Any]] = {}
    for server, c in sorted(tools, key=lambda item: (item[0], item[1].name)):
        if covers.best(server, c.name) is None:
            key = policy_key(server, c.name, prefix)
            added[key] = recommend_entry(key, c)
    if not added:
        return document, []
    merged = dict(document)
    merged["tools"] = {**(document.get("tools") or {}), **added}
    return merged, list(added)
