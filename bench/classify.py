"""Classify real-sized tool definitions, all distinct, and print definitions/s (budget: >= 10,000/s).

The definitions are the tools real servers list: the 25 labelled real servers (tests/fixtures/real-servers,
582 tools: descriptions of every length, nested schemas, emoji and dashes), and with ``--set all`` the other
catalogues too (tests/fixtures/catalogues: the MCP reference servers, Stripe and Sperax, 1,659 more). They are
repeated with variations so that no two are identical and no answer can come from a cache: a vendor prefix
or suffix on the name, a numbered sentence in the description, and an extra argument, in rotation (the
benchmark checks they are distinct). Annotations are kept. The figure printed is the best of R rounds, in
CPU time too (wall-clock drops when other processes share the cores). Words the classifier has met before
(argument names) stay remembered from one definition to the next, as in a catalogue; ``--cold`` forgets
every remembered word before each definition (the price of that is included).

``--before SRC`` times the ``src`` folder of another checkout in the same run, round by round in turn
(``before`` and ``now`` interleaved, each in a fresh process). Each line says which build of the classifier it
timed (``classifier: compiled (mypyc)`` or ``classifier: pure Python``). ``--instructions N`` counts the CPU
instructions per definition under valgrind (``callgrind``: independent of the machine's load), from two
runs over the same N definitions, one of which does not classify them.
Run: ``python bench/classify.py [--count N] [--rounds R] [--set real|all] [--cold] [--before SRC]
[--instructions N]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BUDGET = 10_000  # definitions/s
_PREFIXES = ("", "acme_", "vendorX", "svc-")
_CATALOGUES = ("mcp-reference-servers-tools.json", "stripe-agent-toolkit-tools.json", "sperax-tools.json")


def _vary(tool: dict[str, Any], i: int) -> dict[str, Any]:
    t = copy.deepcopy(tool)
    prefix = _PREFIXES[i % len(_PREFIXES)]
    t["name"] = f"{prefix}{t['name']}_{i}" if i % 3 else f"{prefix}{t['name']}"
    t["description"] = f"{t.get('description') or ''} Variant {i}."
    if i % 5 == 0:
        schema = t.setdefault("inputSchema", {"type": "object"}) or {"type": "object"}
        schema.setdefault("properties", {})[f"extra_{i % 7}"] = {"type": "string", "description": "An extra field."}
        t["inputSchema"] = schema
    return t


def real_tools(which: str = "real") -> list[dict[str, Any]]:
    """The real servers' tools; with ``which="all"``, the other catalogues' too."""
    base: list[dict[str, Any]] = []
    for path in sorted((FIXTURES / "real-servers").glob("*.json")):
        if path.stem != "labels":
            base.extend(json.loads(path.read_text(encoding="utf-8")))
    if which == "all":
        for name in _CATALOGUES:
            base.extend(json.loads((FIXTURES / "catalogues" / name).read_text(encoding="utf-8")))
    return base


def definitions(count: int, which: str = "real") -> list[dict[str, Any]]:
    """``count`` distinct definitions, varied from the real ones in turn."""
    base = real_tools(which)
    return [_vary(base[i % len(base)], i) for i in range(count)]


def _forget() -> None:
    """Forget every word and text the classifier's modules remember (every module of the catalogue, found rather
    than listed: a cache in a module split off later is forgotten too)."""
    import importlib
    import pkgutil

    import portcullis.catalog

    for info in pkgutil.iter_modules(portcullis.catalog.__path__):
        module = importlib.import_module(f"portcullis.catalog.{info.name}")
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def _worker(args: argparse.Namespace) -> int:
    """One timed run in this process: prints {"cpu", "wall", "count", "bytes", "categories", "build"} as JSON."""
    import portcullis.catalog.classify as module
    from portcullis.catalog.classify import classify_tool

    tools = definitions(args.count, args.set)
    distinct = {json.dumps(t, sort_keys=True) for t in tools}
    if len(distinct) != len(tools):
        raise SystemExit("the definitions are not all distinct")
    if args.classify == 0:  # the instruction count's baseline: everything but the classification
        return 0
    categories: dict[str, int] = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    for tool in tools:
        if args.cold:
            _forget()
        c = classify_tool(tool)
        categories[c.category] = categories.get(c.category, 0) + 1
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    size = sum(len(t) for t in distinct) / len(distinct)
    out = {"cpu": cpu, "wall": wall, "count": len(tools), "bytes": size, "categories": categories}
    compiled = (module.__file__ or "").endswith(
        (".so", ".pyd")
    )  # as portcullis.catalog.build says (older trees lack it)
    print(json.dumps({**out, "build": "compiled (mypyc)" if compiled else "pure Python"}))
    return 0


def _run(src: Path | None, args: argparse.Namespace, *extra: str, count: int = 0, prefix: tuple[str, ...] = ()) -> str:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    argv = [sys.executable, __file__, "--worker", "--count", str(count or args.count), "--set", args.set, *extra]
    if args.cold:
        argv.append("--cold")
    done = subprocess.run([*prefix, *argv], env=env, capture_output=True, text=True, check=True)
    return done.stdout + done.stderr


def _instructions(src: Path | None, args: argparse.Namespace) -> float:
    """CPU instructions per definition (callgrind): a run that classifies less one that does not."""
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        for classify in ("0", "1"):
            tool = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out.{classify}")
            out = _run(src, args, "--classify", classify, count=args.instructions, prefix=tool)
            found = re.search(r"Collected : (\d+)", out)
            if found is None:
                raise SystemExit("valgrind printed no instruction count")
            counts.append(int(found.group(1)))
    return (counts[1] - counts[0]) / int(args.instructions)


def _report(label: str, runs: list[dict[str, Any]]) -> float:
    best = min(runs, key=lambda r: r["cpu"])
    wall = min(r["wall"] for r in runs)
    n = best["count"]
    rounds = ", ".join(f"{r['cpu']:.2f}" for r in runs)
    print(
        f"{label:>7}: {n:,} distinct definitions (mean {best['bytes']:,.0f} bytes of JSON): "
        f"{n / best['cpu']:,.0f}/s per CPU second ({1e6 * best['cpu'] / n:.1f} µs each), "
        f"{n / wall:,.0f}/s wall-clock; CPU s per round: {rounds}; classifier: {best.get('build', 'pure Python')}"
    )
    return float(n / best["cpu"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--set", choices=("real", "all"), default="real")
    parser.add_argument("--cold", action="store_true", help="forget remembered words before each definition")
    parser.add_argument("--before", type=Path, help="the src folder of another checkout, timed in turn")
    parser.add_argument(
        "--instructions", type=int, default=0, metavar="N", help="count instructions per definition over N (valgrind)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--classify", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker(args)
    variants: list[tuple[str, Path | None]] = [("now", None)]
    if args.before is not None:
        variants.insert(0, ("before", args.before.resolve()))
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in variants}
    for _ in range(args.rounds):
        for label, src in variants:
            runs[label].append(json.loads(_run(src, args).splitlines()[-1]))
    rates = {label: _report(label, runs[label]) for label, _ in variants}
    if args.instructions:
        for label, src in variants:
            print(f"{label:>7}: {_instructions(src, args):,.0f} instructions per definition (callgrind)")
    print("categories: " + ", ".join(f"{k} {v:,}" for k, v in sorted(runs["now"][-1]["categories"].items())))
    rate = rates["now"]
    print(f"budget {BUDGET:,} definitions/s per CPU second: {'OK' if rate >= BUDGET else 'OVER BUDGET'}")
    return 0 if rate >= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
