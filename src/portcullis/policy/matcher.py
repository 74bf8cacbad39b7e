"""Find the entry that decides for a ``(server, tool)``: hide, then deny, then the most specific match.

Every pattern (hide entries and tool rules) gets a global position: hides first, then denies, then
the rest, each group ordered from most to least specific (exact > server-scoped > longer literal
prefix > more literal characters > written first). The winner for a name is the matching entry with
the lowest position. Finding it takes at most two dict lookups and three full-matches of a combined
regular expression whose alternatives are ordered by position, so the first alternative that matches
is the best one of its kind (``m.lastindex`` names it). The names that server-scoped exact keys name
are resolved when the matcher is built: a call of one costs one dict lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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
    """Alternatives ordered by position; ``first`` gives the position of the first one that matches.

    Each alternative is a group, and ``m.lastindex`` names the one that matched. A literal first
    character is written before its group, so that the engine rejects the alternative on it at once.
    """

    __slots__ = ("_fullmatch", "_positions")

    def __init__(self, alternatives: list[tuple[int, str, str]]) -> None:
        alternatives.sort()
        self._positions = [0] + [pos for pos, _, _ in alternatives]
        rx = "|".join("{}({})".format(*_split_first(rx)) for _, rx, _ in alternatives)
        self._fullmatch = re.compile(rx, re.DOTALL).fullmatch

    def first(self, subject: str) -> int | None:
        m = self._fullmatch(subject)
        return None if m is None or m.lastindex is None else self._positions[m.lastindex]


def _split_first(rx: str) -> tuple[str, str]:
    """A ``glob_regex`` as (its literal first character, escaped, or "") and the rest."""
    if rx.startswith("\\"):  # re.escape: a backslash and one character
        return rx[:2], rx[2:]
    if not rx or rx.startswith("."):
        return "", rx
    return rx[0], rx[1:]


_GRAM = 3
_INDEX_FROM = 8  # alternatives led by a wildcard; below this one combined expression is as fast
_Entry = tuple[int, Callable[[str], object]]


class _Indexed:
    """Many alternatives, those that start with a wildcard prefiltered by their literal text.

    Same answers as ``_Combined``. An alternative with a literal first character stays in one combined
    expression (it fails at the first character, which is fast). One that starts with ``*`` or ``?``
    would be tried at every position of the name, so it is filed under one three-character piece of
    its longest literal run (the piece fewest patterns share): a matching name must contain that run.
    One expression finds, in a single pass over the name, every filed piece it contains (the pieces
    all have three characters, so at most one starts at each position); only the patterns filed there
    are full-matched, in order of position. Patterns without three literal characters in a row are
    always tried. The cost grows with the length of the name, not with the number of patterns.
    """

    __slots__ = ("_always", "_by_gram", "_find", "_prefixed")

    def __init__(self, alternatives: list[tuple[int, str, str]]) -> None:
        led = [a for a in alternatives if a[1].startswith(".")]  # glob_regex: a wildcard first
        rest = [a for a in alternatives if not a[1].startswith(".")]
        self._prefixed = _Combined(rest).first if rest else None
        counts: dict[str, int] = {}
        for _, _, literal in led:
            for gram in set(_grams(literal)):
                counts[gram] = counts.get(gram, 0) + 1
        self._always: list[_Entry] = []
        self._by_gram: dict[str, list[_Entry]] = {}
        for pos, rx, literal in sorted(led):
            entry = (pos, re.compile(rx, re.DOTALL).fullmatch)
            if len(literal) < _GRAM:
                self._always.append(entry)
                continue
            self._by_gram.setdefault(min(_grams(literal), key=counts.__getitem__), []).append(entry)
        found = "(?=(" + _trie(sorted(self._by_gram)) + "))" if self._by_gram else "(?!)"
        self._find = re.compile(found, re.DOTALL).findall

    def first(self, subject: str) -> int | None:
        best = self._prefixed(subject) if self._prefixed is not None else None
        found = self._find(subject)
        if not found:
            candidates = self._always
        elif len(found) == 1 and not self._always:
            candidates = self._by_gram[found[0]]
        else:
            candidates = list(self._always)
            for gram in set(found):
                candidates += self._by_gram[gram]
            candidates.sort(key=_position)
        for pos, fullmatch in candidates:
            if best is not None and pos > best:
                break
            if fullmatch(subject) is not None:
                return pos
        return best


def _grams(text: str) -> list[str]:
    """The three-character pieces of ``text``."""
    return [text[i : i + _GRAM] for i in range(len(text) - _GRAM + 1)]


def _trie(words: list[str]) -> str:
    """An expression matching exactly ``words`` (sorted, all of one length), grouped by their first
    characters so that the engine tries each first character once rather than every word."""
    if len(words[0]) == 1:
        return "|".join(re.escape(w) for w in words)
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(w[1:])
    return "|".join(re.escape(head) + "(?:" + _trie(rest) + ")" for head, rest in groups.items())


def _position(entry: _Entry) -> int:
    return entry[0]


def _combined(alternatives: list[tuple[int, str, str]]) -> _Combined | _Indexed:
    led = sum(1 for _, rx, _ in alternatives if rx.startswith("."))
    return _Indexed(alternatives) if led >= _INDEX_FROM else _Combined(alternatives)


def _longest_literal(*globs: str) -> str:
    """The longest run of literal characters in the globs (text every matching name contains)."""
    return max((run for g in globs for run in re.split(r"[*?]", g)), key=len, default="")


class Matcher(Generic[T]):
    """Compiled patterns; ``best(server, tool)`` returns the deciding pattern or None."""

    def __init__(self, patterns: Sequence[Pattern[T]]) -> None:
        def position_key(p: Pattern[T]) -> tuple[int, tuple[int, ...], int]:
            return (p.category, tuple(-x for x in p.selector.rank()), p.order)

        self.patterns: list[Pattern[T]] = sorted(patterns, key=position_key)
        self._exact_full: dict[tuple[str, str], int] = {}
        self._exact_tool: dict[str, int] = {}
        per_server: dict[str, list[tuple[int, str, str]]] = {}
        any_server: list[tuple[int, str, str]] = []
        cross: list[tuple[int, str, str]] = []
        for pos, p in enumerate(self.patterns):
            s = p.selector
            if s.server is None:
                if has_glob(s.tool):
                    any_server.append((pos, glob_regex(s.tool), _longest_literal(s.tool)))
                else:
                    self._exact_tool.setdefault(s.tool, pos)
            elif s.server_is_glob:
                assert s.server is not None
                subject = glob_regex(s.server) + "\x00" + glob_regex(s.tool)
                cross.append((pos, subject, _longest_literal(s.server, s.tool)))
            elif has_glob(s.tool):
                per_server.setdefault(s.server, []).append((pos, glob_regex(s.tool), _longest_literal(s.tool)))
            else:
                self._exact_full.setdefault((s.server, s.tool), pos)
        self._per_server = {server: _combined(alts) for server, alts in per_server.items()}
        self._any_server = _combined(any_server) if any_server else None
        self._cross = _combined(cross) if cross else None
        # A name a server-scoped exact key names is known now: its answer (that key, or a hide or deny
        # pattern before it) is worked out once here, and a call of it costs one lookup.
        for (server, tool), pos in self._exact_full.items():
            found = self._search(server, tool)
            if found is not None and found < pos:
                self._exact_full[(server, tool)] = found

    def best(self, server: str, tool: str) -> Pattern[T] | None:
        best = self.position(server, tool)
        return None if best is None else self.patterns[best]

    def position(self, server: str, tool: str) -> int | None:
        """The index in ``patterns`` of the deciding pattern, or None."""
        found = self._exact_full.get((server, tool))
        return found if found is not None else self._search(server, tool)

    def _search(self, server: str, tool: str) -> int | None:
        """``position`` by every pattern but the server-scoped exact keys."""
        best = None
        if self._exact_tool:
            best = self._exact_tool.get(tool)
        combined = self._per_server.get(server)
        if combined is not None:
            found = combined.first(tool)
            if found is not None and (best is None or found < best):
                best = found
        if self._any_server is not None:
            found = self._any_server.first(tool)
            if found is not None and (best is None or found < best):
                best = found
        if self._cross is not None:
            found = self._cross.first(f"{server}\x00{tool}")
            if found is not None and (best is None or found < best):
                best = found
        return best
