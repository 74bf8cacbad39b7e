"""Turn a classified catalogue into a default-deny policy in the DESIGN.md §3 format.

One entry per tool, keyed ``<server>__<tool>`` (or the bare tool name when prefixing is off):

| category    | entry                                                        |
|-------------|--------------------------------------------------------------|
| read        | ``{}`` (allowed, no limit)                                   |
| other       | 60 calls/minute per grant                                    |
| write       | 30 calls/minute per grant                                    |
| execute     | 10 calls/minute per grant                                    |
| destructive | ``{"action": "require_approval", "reason": ...}``           |
| financial   | ``{"action": "require_approval", "reason": ...}``           |

A level raised above the category's base by escalating signals tightens the entry: medium → at most
30/min, high → at most 10/min, critical → approval. A definition that carries text aimed at the model
or hidden Unicode (``instruction-in-description``, ``hidden-unicode``) is held for approval whatever
its category: a person reads what the model would read before any call goes through. A consolidated
tool whose operation argument offers destructive or financial values (``method: delete_…``) keeps the
rate of its other operations and gets a ``deny_if`` on those values instead of needing approval for
every call. Every entry carries ``_why`` (category, level, signals), which the policy loader accepts and ignores.

``merge_recommendations`` keeps a policy living: it adds an entry for each tool that no entry of
the policy names yet (exactly, by glob, in a ``servers`` block or in ``hide``) and leaves every
existing entry as it is, hand-written or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portcullis.catalog.classify import POISONING_SIGNALS, Classification
from portcullis.policy.matcher import Matcher, Pattern
from portcullis.policy.model import PolicyModel

__all__ = ["merge_recommendations", "policy_key", "recommend_entry", "recommend_policy"]

_RATE_BY_CATEGORY: dict[str, int | None] = {"read": None, "other": 60, "write": 30, "execute": 10}
_RATE_BY_LEVEL: dict[str, int | None] = {"low": None, "medium": 30, "high": 10}
_BASE_LEVEL = {"read": "low", "other": "medium", "write": "medium", "execute": "high",
               "destructive": "critical", "financial": "critical"}
_LEVEL_ORDER = ("low", "medium", "high", "critical")
_APPROVAL_REASON = {
    "destructive": "Destructive (deletes, cancels or overwrites): a person approves each call.",
    "financial": "Moves money: a person approves each call.",
}


def policy_key(server: str, tool: str, prefix: bool = True) -> str:
    """The name a policy uses for a tool: ``<server>__<tool>``, or the bare name when prefixing is off."""
    return f"{server}__{tool}" if prefix else tool


def _why(c: Classification) -> dict[str, Any]:
    return {"category": c.category, "level": c.level, "signals": [s.as_json() for s in c.signals]}


def _limit(key: str, per_minute: int) -> dict[str, Any]:
    return {"limits": [{"counter": f"{key}_rate", "window": "minute", "max": per_minute, "scope": "grant"}]}


def _stricter(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def recommend_entry(key: str, c: Classification) -> dict[str, Any]:
    """The recommended policy entry for one classified tool (``key`` names its rate counter)."""
    raised = _LEVEL_ORDER.index(c.level) > _LEVEL_ORDER.index(_BASE_LEVEL[c.category])
    rate: int | None
    entry: dict[str, Any]
    poisoned = sorted({s.id for s in c.signals if s.id in POISONING_SIGNALS})
    if poisoned:
        entry = {"action": "require_approval",
                 "reason": f"Its definition carries text aimed at the model ({', '.join(poisoned)}): "
                           "a person approves each call."}
    elif c.guard is not None:
        values = list(c.guard.values)
        entry = _limit(key, 30 if c.level != "critical" else 10)
        entry["deny_if"] = [{
            "conditions": [{"path": f"args.{c.guard.argument}", "op": "in", "value": values}],
            "on_deny": f"'{c.guard.argument}' = {', '.join(values)} is {c.guard.category}: "
                       "ask an operator to do it or to allow it",
        }]
    elif c.category in _APPROVAL_REASON:
        entry = {"action": "require_approval", "reason": _APPROVAL_REASON[c.category]}
    elif raised and c.level == "critical":
        fired = ", ".join(sorted({s.id for s in c.signals if not s.id.endswith("-verb")}))
        entry = {"action": "require_approval", "reason": f"Critical risk ({fired}): a person approves each call."}
    else:
        rate = _RATE_BY_CATEGORY[c.category]
        if raised:
            rate = _stricter(rate, _RATE_BY_LEVEL[c.level])
        entry = _limit(key, rate) if rate is not None else {}
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


def merge_recommendations(document: dict[str, Any], model: PolicyModel, tools: Iterable[tuple[str, Classification]],
                          *, prefix: bool = True) -> tuple[dict[str, Any], list[str]]:
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
