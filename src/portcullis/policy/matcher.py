"""Find the entry that decides for a ``(server, tool)``: hide, then deny, then the most specific match.

Every pattern (hide entries and tool rules) gets a global position: hides first, then denies, then
the rest, each group ordered from most to least specific (exact > server-scoped > longer literal
prefix > more literal characters > written first). The winner for a name is the matching entry with
the lowest position. Finding it takes at most two dict lookups and three full-matches of a combined
regular expression whose alternatives are ordered by position, so the first alternative that matches
is the best one of its kind (``m.lastindex`` names it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from portcullis.policy.glob import Selector, glob_regex, has_glob

__all__ = ["Matcher", "Pattern"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pattern(Generic[T]):
    """One thing to match: ``category`` 0 hide, 1 deny, 2 anything else; ``order`` breaks ties."""

    selector: Selector
    category: int
    order: int
    value: T


class _Combined:
    """Alternatives ordered by position; ``first`` gives the position of the first one that matches."""

    __slots__ = ("_fullmatch", "_positions")

    def __init__(self, alternatives: list[tuple[int, str]]) -> None:
        alternatives.sort()
        self._positions = [0] + [pos for pos, _ in alternatives]
        self._fullmatch = re.compile("|".join(f"({rx})" for _, rx in alternatives), re.DOTALL).fullmatch

    def first(self, subject: str) -> int | None:
        m = self._fullmatch(subject)
        return None if m is None or m.lastindex is None else self._positions[m.lastindex]


class Matcher(Generic[T]):
    """Compiled patterns; ``best(server, tool)`` returns the deciding pattern or None."""

    def __init__(self, patterns: Sequence[Pattern[T]]) -> None:
        def position_key(p: Pattern[T]) -> tuple[int, tuple[int, ...], int]:
            return (p.category, tuple(-x for x in p.selector.rank()), p.order)

        self.patterns: list[Pattern[T]] = sorted(patterns, key=position_key)
        self._exact_full: dict[tuple[str, str], int] = {}
        self._exact_tool: dict[str, int] = {}
        per_server: dict[str, list[tuple[int, str]]] = {}
        any_server: list[tuple[int, str]] = []
        cross: list[tuple[int, str]] = []
        for pos, p in enumerate(self.patterns):
            s = p.selector
            if s.server is None:
                if has_glob(s.tool):
                    any_server.append((pos, glob_regex(s.tool)))
                else:
                    self._exact_tool.setdefault(s.tool, pos)
            elif s.server_is_glob:
                cross.append((pos, glob_regex(s.server) + "\x00" + glob_regex(s.tool)))
            elif has_glob(s.tool):
                per_server.setdefault(s.server, []).append((pos, glob_regex(s.tool)))
            else:
                self._exact_full.setdefault((s.server, s.tool), pos)
        self._per_server = {server: _Combined(alts) for server, alts in per_server.items()}
        self._any_server = _Combined(any_server) if any_server else None
        self._cross = _Combined(cross) if cross else None

    def best(self, server: str, tool: str) -> Pattern[T] | None:
        found = [self._exact_full.get((server, tool)), self._exact_tool.get(tool)]
        combined = self._per_server.get(server)
        if combined is not None:
            found.append(combined.first(tool))
        if self._any_server is not None:
            found.append(self._any_server.first(tool))
        if self._cross is not None:
            found.append(self._cross.first(f"{server}\x00{tool}"))
        positions = [p for p in found if p is not None]
        return self.patterns[min(positions)] if positions else None
