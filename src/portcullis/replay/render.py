"""The text view of a ``ReplayReport`` (``portcullis policy replay`` without ``--json``)."""

from __future__ import annotations

import orjson

from portcullis._plumbing.isotime import iso
from portcullis.audit.storable import plain_text
from portcullis.replay.engine import LABELS, ReplayReport

__all__ = ["render_report"]

_ARGS_WIDTH = 80


_WORDS = {
    "allow": "allowed",
    "approved": "approved",
    "deny": "denied",
    "hide": "hidden",
    "limit": "rate-limited",
    "held": "held for approval",
}


def _label(key: str) -> str:
    """A transition ``old→new`` in words (``deny→held``: "denied → held for approval")."""
    if key in LABELS:
        return LABELS[key]
    old, _, new = key.partition("→")
    return f"{_WORDS.get(old, old)} → {_WORDS.get(new, new)}"


def render_report(report: ReplayReport, span: str = "") -> list[str]:
    """Lines to print: the totals, then each tool with changes, its transitions and examples."""
    if report.empty:
        return [f"The audit trail has no recorded calls{span}: there is nothing to replay the draft over."]
    when = f" ({iso(report.first or 0)} → {iso(report.last or 0)})"
    lines = [
        f"Replayed {report.draft} over {report.read} recorded call(s){span}{when}: "
        f"{report.changed} of {report.compared} compared would be decided differently."
    ]
    if report.redacted:
        lines.append(
            f"  {report.redacted} call(s) counted apart: their arguments were redacted in the audit trail "
            "and the draft's rule reads them (not guessed)"
        )
    if report.outside:
        lines.append(
            f"  {report.outside} call(s) not compared: decided outside the policy (tool pins, input schema, "
            "unknown or unreachable tools, store failures)"
        )
    for name, tool in sorted(report.tools.items()):
        if not tool.changed and not tool.redacted:
            continue
        parts = [f"{n} {_label(k)}" for k, n in sorted(tool.transitions.items(), key=lambda kv: -kv[1])]
        if tool.redacted:
            parts.append(f"{tool.redacted} redacted")
        lines.append(f"{name}: {tool.changed} of {tool.calls} changed: {', '.join(parts)}")
        for key, shown in tool.examples.items():
            for ex in shown:
                args = plain_text(orjson.dumps(ex["arguments"]).decode())
                if len(args) > _ARGS_WIDTH:
                    args = args[: _ARGS_WIDTH - 1] + "…"
                now = ex["now"]
                lines.append(
                    f"    {_label(key)}: {iso(ex['time'])} grant {ex['grant'] or '-'} {args} → {now['decision']} "
                    f"by {now['rule']} ({plain_text(now['reason'])})"
                )
    if not report.changed and not report.redacted:
        lines.append("No recorded call would be decided differently.")
    return lines
