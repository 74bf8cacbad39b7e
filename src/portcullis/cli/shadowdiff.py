"""``portcullis audit --shadow-diff``: where a shadow policy would have decided otherwise than the live one.

Reads the matching records (the audit filters apply; up to ``SCAN`` of the newest), keeps those that
carry a shadow decision, and prints per tool how many the shadow would have decided differently
(``live → shadow``), then the newest ``--limit`` differing records. ``--json``: one document with the
counts and those records.
"""

from __future__ import annotations

from typing import Any

from portcullis.cli.common import print_json
from portcullis.cli.table import render_table
from portcullis.safety.shadow import live_class, shadow_differs

__all__ = ["SCAN", "show_shadow_diff"]

SCAN = 100_000
_HEADERS = ("TIME (UTC)", "GRANT", "TOOL", "LIVE", "SHADOW", "SHADOW RULE", "SHADOW REASON")


def show_shadow_diff(records: list[dict[str, Any]], limit: int, as_json: bool) -> None:
    shadowed = [r for r in records if isinstance(r.get("shadow"), dict)]
    differ = [r for r in shadowed if shadow_differs(r["decision"], r["shadow"])]
    tools: dict[str, dict[str, int]] = {}
    for r in differ:
        key = f"{live_class(r['decision'])}→{r['shadow'].get('decision')}"
        counts = tools.setdefault(f"{r['server']}__{r['tool']}", {})
        counts[key] = counts.get(key, 0) + 1
    shown = differ[-limit:]
    if as_json:
        print_json(
            {"read": len(records), "shadowed": len(shadowed), "differ": len(differ), "tools": tools, "records": shown}
        )
        return
    print(
        f"{len(differ)} of {len(shadowed)} call(s) with a shadow decision would have been decided differently"
        + (f" (of {len(records)} record(s) read)" if len(records) != len(shadowed) else "")
    )
    for name, counts in sorted(tools.items()):
        print(f"  {name}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if shown:
        rows = [
            [
                str(r["time"]).replace("T", " ")[:19],
                r.get("grant"),
                f"{r['server']}__{r['tool']}",
                r["decision"],
                r["shadow"].get("decision"),
                r["shadow"].get("rule"),
                r["shadow"].get("reason"),
            ]
            for r in shown
        ]
        print(render_table(_HEADERS, rows, keep=("TIME (UTC)",), cut_first=("SHADOW REASON", "SHADOW RULE")))
