"""Text views of the catalogue for the terminal: the tool table, one tool explained, and a pin diff.

Colour (by level) only when asked for, i.e. when stdout is a terminal and ``NO_COLOR`` is not set;
the words are the same without it, so nothing depends on colour.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson

from portcullis._plumbing.isotime import iso_seconds
from portcullis.catalog.classify import CATEGORIES, Classification
from portcullis.catalog.pins import FieldChange, Pin

__all__ = ["entry_meaning", "render_diff", "render_show", "render_table"]

_LEVEL_COLOURS = {"low": "32", "medium": "33", "high": "35", "critical": "1;31"}
_STATUS_COLOURS = {"approved": "32", "new": "33", "changed": "1;31"}


def _paint(text: str, code: str | None, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour and code else text


def _pad(text: str, width: int, code: str | None, colour: bool) -> str:
    return _paint(text, code, colour) + " " * max(0, width - len(text))


def render_table(rows: Sequence[tuple[str, Classification, str | None]], *, colour: bool) -> str:
    """``(displayed name, classification, pin status or None)`` rows, then a count per category."""
    if not rows:
        return "no tools\n"
    name_w = min(max(len(r[0]) for r in rows), 60)
    show_status = any(r[2] is not None for r in rows)
    head = f"{'TOOL':<{name_w}}  {'CATEGORY':<11}  {'LEVEL':<8}  " + (f"{'PIN':<8}  " if show_status else "")
    lines = [head + "SIGNALS"]
    for name, c, status in rows:
        signals = ", ".join(dict.fromkeys(s.id for s in c.signals if not s.id.endswith("-verb"))) or "-"
        line = f"{name:<{name_w}}  {c.category:<11}  " + _pad(c.level, 8, _LEVEL_COLOURS[c.level], colour) + "  "
        if show_status:
            line += _pad(status or "-", 8, _STATUS_COLOURS.get(status or ""), colour) + "  "
        lines.append(line + signals)
    counts = Counter(r[1].category for r in rows)
    summary = ", ".join(f"{cat} {counts[cat]}" for cat in CATEGORIES if counts[cat])
    levels: Counter[str] = Counter(r[1].level for r in rows)
    lines.append("")
    lines.append(f"{len(rows)} tools: {summary}")
    lines.append("levels: " + ", ".join(f"{lv} {levels[lv]}" for lv in _LEVEL_COLOURS if levels[lv]))
    return "\n".join(lines) + "\n"


def render_show(
    name: str, tool: dict[str, Any], c: Classification, status: str | None, entry: dict[str, Any], *, colour: bool
) -> str:
    """One tool explained: category, level, the rule that decided the category, every signal with its
    evidence, the recommended entry."""
    lines = [
        _paint(name, "1", colour),
        f"  category: {c.category}    level: {_paint(c.level, _LEVEL_COLOURS[c.level], colour)}"
        + (f"    pin: {status}" if status else ""),
    ]
    description = tool.get("description")
    if isinstance(description, str) and description.strip():
        short = " ".join(description.split())
        lines.append("  description: " + textwrap.shorten(short, 300, placeholder=" …"))
    props = (tool.get("inputSchema") or {}).get("properties") if isinstance(tool.get("inputSchema"), dict) else None
    if isinstance(props, dict) and props:
        lines.append("  arguments: " + ", ".join(str(k) for k in props))
    if c.decided_by is not None:
        lines.append(f"  decided by rule '{c.decided_by.id}': {c.decided_by.evidence}")
    lines.append("  signals (each with the words or field that fired it):")
    width = max((len(s.id) for s in c.signals), default=0)
    for s in c.signals:
        lines.append(f"    {s.id:<{width}}  {s.evidence}")
    if c.flow:
        lines.append("  data flow (proposed; a policy entry's 'tags:' overrides it):")
        lines.extend(f"    {s.id:<17}  {s.evidence}" for s in c.flow)
    else:
        lines.append("  data flow: none proposed (a policy entry's 'tags:' can set it)")
    lines.append("  recommended policy entry:")
    shown = {k: v for k, v in entry.items() if k != "_why"}
    lines.append("    " + orjson.dumps(shown).decode())
    lines.append("    that is: " + entry_meaning(shown))
    return "\n".join(lines) + "\n"


_ACTION_MEANING = {"allow": "allowed", "deny": "denied", "require_approval": "each call waits for a person's approval"}
_SCOPE_MEANING = {"grant": "agent key", "session": "session", "global": "gateway"}
_EVERY = {"second": "a second", "minute": "a minute", "hour": "an hour", "day": "a day"}


def entry_meaning(entry: dict[str, Any]) -> str:
    """A policy entry in words: what happens to a call (``{}`` is an allowed tool without limits)."""
    action = entry.get("action", "allow")
    words = [_ACTION_MEANING.get(action, str(action))]
    if entry.get("deny_if"):
        words.append("some argument values are denied")
    for limit in entry.get("limits") or ():
        if isinstance(limit, dict):
            scope = _SCOPE_MEANING.get(str(limit.get("scope", "grant")), str(limit.get("scope")))
            window = str(limit.get("window"))
            every = _EVERY.get(window, f"per {window}")
            words.append(f"at most {limit.get('max')} calls {every} per {scope}")
    if len(words) == 1 and action == "allow":
        words.append("no limit")
    return ", ".join(words)


def _value(v: Any) -> str:
    text = v if isinstance(v, str) else orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode()
    return text if len(text) <= 400 else text[:397] + "..."


def render_diff(name: str, pin: Pin | None, changes: Sequence[FieldChange], *, colour: bool) -> str:
    """What changed in one tool since it was approved, field by field."""
    if pin is None:
        return f"{_paint(name, '1', colour)}: new, never approved\n"
    when = iso_seconds(pin.approved_at, sep=" ")
    lines = [f"{_paint(name, '1', colour)}: changed since approved at {when} by {pin.approved_by}"]
    for ch in changes:
        mark = {"added": "+", "removed": "-", "changed": "~"}[ch.kind]
        lines.append(f"  {mark} {ch.path} ({ch.kind})")
        if ch.kind != "added":
            lines.append(_paint(f"      - {_value(ch.old)}", "31", colour))
        if ch.kind != "removed":
            lines.append(_paint(f"      + {_value(ch.new)}", "32", colour))
    return "\n".join(lines) + "\n"
