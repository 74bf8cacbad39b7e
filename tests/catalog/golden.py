"""The classifier's full answer on every catalogued tool, as recorded in ``tests/fixtures/classify-golden.jsonl``.

Shared by ``test_classify_golden.py`` and ``scripts/classify_golden.py`` (which rewrites the file). The
corpus is every tool of tests/fixtures/real-servers and tests/fixtures/catalogues (PolicyLayer's list has
names only: each is classified as a definition with just its name), each as written, without its
annotations, and, when it has annotations, as written on a trusted server. One line per case: the case's
key and everything ``classify_tool`` returns (category, level, signals with their evidence, the operation
guard, the deciding rule, the data-flow tags), so a change of any of it shows as a changed line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from portcullis.catalog.classify import Classification, classify_tool
from portcullis.catalog.verdict import Signal

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN = FIXTURES / "classify-golden.jsonl"
_CATALOGUES = ("mcp-reference-servers-tools.json", "sperax-tools.json", "stripe-agent-toolkit-tools.json")
_POLICYLAYER = "policylayer-intercept-categories.json"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _definitions() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((FIXTURES / "real-servers").glob("*.json")):
        if path.stem != "labels":
            for i, tool in enumerate(_load(path)):
                yield f"real-servers/{path.stem}#{i}", tool
    for name in _CATALOGUES:
        for i, tool in enumerate(_load(FIXTURES / "catalogues" / name)):
            yield f"catalogues/{name}#{i}", tool
    for i, row in enumerate(_load(FIXTURES / "catalogues" / _POLICYLAYER)["tools"]):
        yield f"catalogues/{_POLICYLAYER}#{i}", {"name": row["tool"]}


def cases() -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """Every case: its key, the definition, and whether the server is trusted."""
    for key, tool in _definitions():
        yield f"{key} as-is", tool, False
        if "annotations" in tool:
            yield f"{key} no-annotations", {k: v for k, v in tool.items() if k != "annotations"}, False
            if tool["annotations"]:
                yield f"{key} trusted", tool, True


def _signal(signal: Signal | None) -> list[str] | None:
    return None if signal is None else [signal.id, signal.evidence]


def answer(c: Classification) -> dict[str, Any]:
    """Everything a classification holds, as JSON."""
    guard = c.guard
    return {
        "name": c.name,
        "category": c.category,
        "level": c.level,
        "signals": [_signal(s) for s in c.signals],
        "guard": None if guard is None else [guard.argument, list(guard.values), guard.category, guard.rest],
        "decided_by": _signal(c.decided_by),
        "flow": [_signal(s) for s in c.flow],
    }


def lines() -> Iterator[str]:
    """The golden file's lines, from the classifier as it is."""
    for key, tool, trusted in cases():
        row = {"case": key, **answer(classify_tool(tool, trusted=trusted))}
        yield json.dumps(row, ensure_ascii=False, separators=(",", ":"))
