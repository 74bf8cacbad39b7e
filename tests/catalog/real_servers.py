"""Score the classifier on the labelled real servers in tests/fixtures/real-servers (see its README).

Shared by ``test_real_servers.py``, ``test_real_server_floors.py``, ``test_real_server_rounds.py`` and
``scripts/classifier_report.py --real``. The four figures are the ones the classifier is held to on servers it was
not written from, with annotations removed:

- read-vs-mutating agreement: the label's ``read_only`` against ``category == "read"``;
- mutating tools classified ``read`` (the fail-open error);
- destructive tools caught: category ``destructive`` or level ``critical``;
- execute tools caught: category ``execute`` or level ``high``/``critical``.

Tools labelled ``ambiguous`` are left out of every figure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portcullis.catalog.classify import Classification, classify_tool

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "real-servers"

# Fixed before any rule was written (README of the fixtures): servers sorted by id, odd positions develop.
SERVERS: tuple[str, ...] = tuple(sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem != "labels"))
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]
# After the first confirmation, the same rule split the confirmation part in two (README: rounds 2 and 3).
ROUND_2: tuple[str, ...] = CONFIRMATION[0::2]
ROUND_3: tuple[str, ...] = CONFIRMATION[1::2]


def load_tools(server: str, folder: Path | None = None) -> list[dict[str, Any]]:
    """The tool list of ``server`` in ``folder`` (by default ``FIXTURES``, read at call time)."""
    tools: list[dict[str, Any]] = json.loads(((folder or FIXTURES) / f"{server}.json").read_text(encoding="utf-8"))
    return tools


def load_labels(folder: Path | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """The labels of ``folder`` (by default ``FIXTURES``, read at call time), by server and tool."""
    rows = json.loads(((folder or FIXTURES) / "labels.json").read_text(encoding="utf-8"))
    return {(r["server"], r["tool"]): r for r in rows}


def strip_annotations(tool: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in tool.items() if k != "annotations"}


@dataclass(slots=True)
class Score:
    """Counts behind the four figures, and the tools behind every miss."""

    total: int = 0
    agree: int = 0
    mutating: int = 0
    mutating_read: int = 0
    destructive: int = 0
    destructive_caught: int = 0
    execute: int = 0
    execute_caught: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in (
            "total",
            "agree",
            "mutating",
            "mutating_read",
            "destructive",
            "destructive_caught",
            "execute",
            "execute_caught",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    @property
    def agreement(self) -> float:
        return self.agree / self.total if self.total else 1.0

    @property
    def mutating_read_rate(self) -> float:
        return self.mutating_read / self.mutating if self.mutating else 0.0

    @property
    def destructive_rate(self) -> float:
        return self.destructive_caught / self.destructive if self.destructive else 1.0

    @property
    def execute_rate(self) -> float:
        return self.execute_caught / self.execute if self.execute else 1.0

    def line(self, label: str) -> str:
        return (
            f"{label:<26} read-vs-mutating {self.agree:>3}/{self.total:<3} {self.agreement:6.1%}   "
            f"mutating as read {self.mutating_read:>2}/{self.mutating:<3} {self.mutating_read_rate:5.1%}   "
            f"destructive caught {self.destructive_caught:>2}/{self.destructive:<2} {self.destructive_rate:6.1%}   "
            f"execute caught {self.execute_caught:>2}/{self.execute:<2} {self.execute_rate:6.1%}"
        )


def _describe(server: str, name: str, c: Classification, why: str) -> str:
    return f"{server}: {name}: {why}; classified {c.category}/{c.level} ({c.signals[0].evidence})"


_ROUTER_RE = re.compile(
    r"\bcommand\s+router\b|\bdiscover\s+(?:the\s+)?(?:available\s+)?sub[- ]?commands?\b", re.IGNORECASE
)


def hides_its_operations(tool: Mapping[str, Any]) -> bool:
    """A namespace router whose definition does not show what it does: a free-text ``command`` argument that
    picks one of sub-commands listed only at run time ("set learn=true to discover available sub commands").
    Its label was read from those sub-commands, which the classifier never sees."""
    props = (tool.get("inputSchema") or {}).get("properties") or {}
    command = props.get("command")
    return (
        isinstance(command, dict) and "enum" not in command and bool(_ROUTER_RE.search(tool.get("description") or ""))
    )


def score_server(
    server: str,
    labels: Mapping[tuple[str, str], Mapping[str, Any]],
    *,
    visible_only: bool = False,
    folder: Path | None = None,
) -> Score:
    """The figures for one server, its annotations removed (``visible_only``: without the routers whose
    definitions hide their operations; ``folder``: its round's fixtures, by default ``FIXTURES``)."""
    s = Score()
    for tool in load_tools(server, folder):
        label = labels[(server, tool["name"])]
        if label["ambiguous"] or (visible_only and hides_its_operations(tool)):
            continue
        c = classify_tool(strip_annotations(tool))
        s.total += 1
        is_read = c.category == "read"
        if label["read_only"] == is_read:
            s.agree += 1
        else:
            s.misses.append(
                _describe(server, tool["name"], c, "labelled read_only" if label["read_only"] else "labelled mutating")
            )
        if not label["read_only"]:
            s.mutating += 1
            s.mutating_read += is_read
        if label["destructive"] is True:
            s.destructive += 1
            if c.category == "destructive" or c.level == "critical":
                s.destructive_caught += 1
            else:
                s.misses.append(_describe(server, tool["name"], c, "labelled destructive"))
        if label["execute"]:
            s.execute += 1
            if c.category == "execute" or c.level in ("high", "critical"):
                s.execute_caught += 1
            else:
                s.misses.append(_describe(server, tool["name"], c, "labelled execute"))
    return s


def score(
    servers: Iterable[str], *, visible_only: bool = False, folder: Path | None = None
) -> tuple[dict[str, Score], Score]:
    """Per-server scores and their sum (``folder``: the round's fixtures, by default ``FIXTURES``)."""
    labels = load_labels(folder)
    per = {server: score_server(server, labels, visible_only=visible_only, folder=folder) for server in servers}
    total = Score()
    for s in per.values():
        total.add(s)
    return per, total


def report(
    label: str, servers: Iterable[str], *, visible_only: bool = False, folder: Path | None = None
) -> tuple[str, Score]:
    """The printable report of one part (per server, the part's total, every miss) and its total
    (``folder``: the round's fixtures, by default ``FIXTURES``)."""
    per, total = score(servers, visible_only=visible_only, folder=folder)
    lines = [f"== {label} =="] + [s.line(name) for name, s in per.items()] + [total.line("TOTAL " + label)]
    lines += ["misses:" if total.misses else "misses: none"] + [f"  {m}" for m in total.misses]
    return "\n".join(lines), total


def assert_targets(total: Score, label: str) -> None:
    """Issue 11's four targets on a set of servers, annotations removed."""
    assert total.agreement >= 0.97, f"{label}: read-vs-mutating {total.agreement:.1%} < 97 %"
    assert total.mutating_read_rate <= 0.01, f"{label}: {total.mutating_read_rate:.1%} of mutating tools read"
    assert total.destructive_rate >= 0.95, f"{label}: destructive caught {total.destructive_rate:.1%} < 95 %"
    assert total.execute_rate >= 0.95, f"{label}: execute caught {total.execute_rate:.1%} < 95 %"


# -- later rounds (tests/fixtures/real-servers-roundN): the same files, one folder per round ------------------


def round_folder(n: int) -> Path:
    """The fixtures of round ``n`` (4 and later)."""
    return FIXTURES.parent / f"real-servers-round{n}"


def servers_of(folder: Path) -> tuple[str, ...]:
    """The servers of a round, sorted by id (the order its halves are split by: odd positions develop)."""
    return tuple(sorted(p.stem for p in folder.glob("*.json") if p.stem != "labels"))


def assert_labels_cover_the_fixtures(servers: tuple[str, ...], count: int) -> None:
    """Every tool of the round's lists is labelled, and nothing else is (``FIXTURES`` pointed at the round)."""
    names = {(server, t["name"]) for server in servers for t in load_tools(server)}
    assert len(servers) == count
    assert names == set(load_labels())


def assert_recommend_holds(
    folder: Path, server: str, recommended: Mapping[str, Any], not_held: frozenset[tuple[str, str]]
) -> None:
    """Every tool of ``server`` labelled execute, destructive or money is held for approval or guarded in the
    ``recommended`` policy (``portcullis recommend``'s output), but for the ones in ``not_held``, which are not."""
    rows = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    for row in rows:
        if row["server"] != server or row["ambiguous"]:
            continue
        entry = recommended[f"{server}__{row['tool']}"]
        held = entry.get("action") == "require_approval" or bool(entry.get("deny_if"))
        if row["execute"] or row["destructive"] or row["money"]:
            assert held != ((server, row["tool"]) in not_held), (row["tool"], entry)
