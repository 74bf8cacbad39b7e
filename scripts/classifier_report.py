"""Print how the classifier agrees with MCP annotations and with PolicyLayer's labels, listing disagreements.

1. For each annotated fixture (MCP reference servers, Stripe): the confusion matrix of our category
   against the annotations' read-only / destructive / mutating truth, the read-vs-mutating agreement,
   and every tool where we disagree.
2. For PolicyLayer's Intercept scaffolds (names only, 884 tools on 52 servers): agreement per category
   and the disagreements (their labels are keyword-based and not ground truth: see PROVENANCE.md).
3. The category and level counts on the Sperax catalogue (1,580 tools, no annotations).
4. With ``--real``: the 25 labelled real servers (tests/fixtures/real-servers), annotations removed: the
   four figures per server, per part of the split (see that folder's README) and overall, and every miss.

Run: ``python scripts/classifier_report.py [--all] [--real]`` (``--all`` lists every PolicyLayer disagreement).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from portcullis.catalog.classify import CATEGORIES, classify_tool

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "catalogues"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _truth(annotations: dict[str, Any]) -> str | None:
    if "readOnlyHint" not in annotations:
        return None
    if annotations["readOnlyHint"] is True:
        return "read-only"
    return "destructive" if annotations.get("destructiveHint") is True else "mutating"


def annotated_report(name: str) -> None:
    tools = _load(name)
    matrix: Counter[tuple[str, str]] = Counter()
    disagreements: list[str] = []
    agree = total = 0
    for tool in tools:
        truth = _truth(tool.get("annotations") or {})
        if truth is None:
            continue
        c = classify_tool(tool)
        matrix[(truth, c.category)] += 1
        total += 1
        ok = (truth == "read-only") == (c.category == "read")
        agree += ok
        if not ok or (truth == "destructive" and c.category != "destructive" and c.level != "critical"):
            disagreements.append(
                f"    {tool['name']}: annotations say {truth}; we say {c.category}/{c.level} ({c.signals[0].evidence})"
            )
    print(f"\n== {name}: {total} annotated tools ==")
    cats = [c for c in CATEGORIES if any(k[1] == c for k in matrix)]
    print(f"  {'annotation':<12}" + "".join(f"{c:>13}" for c in cats))
    for truth in ("read-only", "mutating", "destructive"):
        print(f"  {truth:<12}" + "".join(f"{matrix[(truth, c)]:>13}" for c in cats))
    print(f"  read vs mutating agreement: {agree}/{total} = {agree / total:.1%}")
    print("  disagreements:" if disagreements else "  disagreements: none")
    print("\n".join(disagreements))


def policylayer_report(show_all: bool) -> None:
    rows = _load("policylayer-intercept-categories.json")["tools"]
    per: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    disagreements: list[str] = []
    for row in rows:
        theirs = row["category"].lower()
        ours = classify_tool({"name": row["tool"]}).category
        per[theirs] += 1
        pairs[(theirs, ours)] += 1
        if theirs == ours:
            hits[theirs] += 1
        else:
            disagreements.append(f"    {row['server']}: {row['tool']}: PolicyLayer {theirs}, we {ours}")
    total = sum(per.values())
    print(f"\n== PolicyLayer Intercept labels (names only): {total} tools ==")
    print(f"  exact category agreement: {sum(hits.values())}/{total} = {sum(hits.values()) / total:.1%}")
    for cat in CATEGORIES:
        if per[cat]:
            spread = ", ".join(f"{o} {pairs[(cat, o)]}" for o in CATEGORIES if pairs[(cat, o)])
            print(f"  {cat:<12} {hits[cat]:>4}/{per[cat]:<4} ours: {spread}")
    shown = disagreements if show_all else disagreements[:40]
    print(f"  disagreements ({len(disagreements)}; {'all' if show_all else 'first 40, --all for every one'}):")
    print("\n".join(shown))


def sperax_report() -> None:
    tools = _load("sperax-tools.json")
    results = [classify_tool(t) for t in tools]
    cats = Counter(c.category for c in results)
    levels = Counter(c.level for c in results)
    signals = Counter(s.id for c in results for s in c.signals if not s.id.endswith("-verb"))
    print(f"\n== Sperax: {len(tools)} tools (no annotations) ==")
    print("  categories: " + ", ".join(f"{c} {cats[c]}" for c in CATEGORIES))
    print("  levels: " + ", ".join(f"{lv} {levels[lv]}" for lv in ("low", "medium", "high", "critical")))
    print("  signals: " + ", ".join(f"{k} {v}" for k, v in signals.most_common()))


def real_servers_report() -> None:
    sys.path.insert(0, str(ROOT))  # the scorer lives with the tests that assert on it
    from tests.catalog.real_servers import DEVELOPMENT, ROUND_2, ROUND_3, SERVERS, report

    for label, servers in (
        ("development part (rules written from it first)", DEVELOPMENT),
        ("round 2 (six confirmation servers)", ROUND_2),
        ("round 3 (the other six)", ROUND_3),
        ("all 25 servers", SERVERS),
    ):
        print("\n" + report(label, servers)[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="list every PolicyLayer disagreement")
    parser.add_argument("--real", action="store_true", help="score the 25 labelled real servers")
    args = parser.parse_args()
    annotated_report("mcp-reference-servers-tools.json")
    annotated_report("stripe-agent-toolkit-tools.json")
    policylayer_report(args.all)
    sperax_report()
    if args.real:
        real_servers_report()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
