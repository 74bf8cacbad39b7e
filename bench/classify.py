"""Classify 100,000 tool definitions and print tools/s (budget: >= 10,000 tools/s, DESIGN.md §7).

The definitions are the catalogue fixtures (Sperax, the MCP reference servers, Stripe) repeated with
variations so no two are identical: a vendor prefix or suffix on the name, a numbered sentence in the
description, and an extra argument, in rotation. Run: ``python bench/classify.py [--count N]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any

from portcullis.catalog.classify import classify_tool

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "catalogues"
BUDGET = 10_000  # tools/s
_PREFIXES = ("", "acme_", "vendorX", "svc-")


def _vary(tool: dict[str, Any], i: int) -> dict[str, Any]:
    t = copy.deepcopy(tool)
    t.pop("_meta", None)
    prefix = _PREFIXES[i % len(_PREFIXES)]
    t["name"] = f"{prefix}{t['name']}_{i}" if i % 3 else f"{prefix}{t['name']}"
    t["description"] = f"{t.get('description') or ''} Variant {i}."
    if i % 5 == 0:
        schema = t.setdefault("inputSchema", {"type": "object"}) or {"type": "object"}
        schema.setdefault("properties", {})[f"extra_{i % 7}"] = {"type": "string", "description": "An extra field."}
        t["inputSchema"] = schema
    return t


def definitions(count: int) -> list[dict[str, Any]]:
    base: list[dict[str, Any]] = []
    for name in ("sperax-tools.json", "mcp-reference-servers-tools.json", "stripe-agent-toolkit-tools.json"):
        base.extend(json.loads((FIXTURES / name).read_text(encoding="utf-8")))
    return [_vary(base[i % len(base)], i) for i in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    tools = definitions(args.count)
    start, cpu_start = time.perf_counter(), time.process_time()
    categories: dict[str, int] = {}
    for tool in tools:
        c = classify_tool(tool)
        categories[c.category] = categories.get(c.category, 0) + 1
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rate = len(tools) / elapsed
    print(f"classified {len(tools):,} tool definitions in {elapsed:.2f} s: {rate:,.0f} tools/s "
          f"(budget {BUDGET:,} tools/s: {'OK' if rate >= BUDGET else 'OVER BUDGET'})")
    print(f"CPU time {cpu:.2f} s: {len(tools) / cpu:,.0f} tools/s per CPU second "
          "(the wall-clock figure drops when other processes share the cores)")
    print("categories: " + ", ".join(f"{k} {v:,}" for k, v in sorted(categories.items())))
    return 0 if rate >= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
