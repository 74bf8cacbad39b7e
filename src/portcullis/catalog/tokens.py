"""Split tool and argument names into lower-case words, and map inflected prose verbs to their base form.

``binance_us_create_listen_key`` → ``binance us create listen key``; ``BinanceOptionsCreateListenKey`` →
``binance options create listen key``; ``getERC20Balance`` → ``get erc20 balance``; ``delete-many`` →
``delete many``. Names keep their words as written (``trading`` stays a noun); prose words are
un-inflected (``fetches`` → ``fetch``) because descriptions are written in the third person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache

__all__ = [
    "CaselessPattern",
    "Letters",
    "PlainSplitter",
    "base_verb",
    "folded",
    "has_capital_pair",
    "letters",
    "occurrences",
    "prose_words",
    "tokenize",
    "tokenize_tuple",
]

_CHUNK_RE = re.compile(r"[A-Z]+[0-9]*(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9']*")
# an apostrophe only inside a word ("it's"): one that closes a quoted word ('list') is not part of it
_PROSE_RE = re.compile(r"[A-Za-z][A-Za-z0-9\-]*(?:'[A-Za-z0-9\-]+)*|[.!?:;]")
_WORD_CHAR_RE = re.compile(r"[A-Za-z0-9\-']")
_WORD_END_RE = re.compile(r"[^A-Za-z0-9\-']")


# _CHUNK_RE on a name without an upper-case letter (only its second alternative can match, as this one): its
# chunks are already lower case
_LOWER_CHUNK_RE = re.compile(r"[a-z]+[0-9]*|[0-9]+")


def tokenize(name: str) -> list[str]:
    """The lower-case words of an identifier written in camelCase, PascalCase, snake_case or kebab-case."""
    if name.islower():  # snake_case, kebab-case: no upper-case letter (A-Z are cased)
        return _LOWER_CHUNK_RE.findall(name)
    return " ".join(_CHUNK_RE.findall(name)).lower().split()  # as _tokenize, made a list at once


@lru_cache(maxsize=8192)
def tokenize_tuple(name: str) -> tuple[str, ...]:
    """``tokenize`` as a tuple, remembered (argument names repeat across a catalogue)."""
    return _tokenize(name)


def _tokenize(name: str) -> tuple[str, ...]:
    if name.islower():  # as tokenize
        return tuple(_LOWER_CHUNK_RE.findall(name))
    # No chunk spans a separator (a character that is not an ASCII letter or digit), and the lookahead
    # fails at a separator as at the end of a string: one pass over the name splits it as per piece.
    # Chunks are ASCII letters and digits: lower-casing them joined by spaces lower-cases each one.
    return tuple(" ".join(_CHUNK_RE.findall(name)).lower().split())


# translate: a-z stay, A-Z become a-z, every other byte (punctuation, digits, UTF-8 of other letters) a space
_LETTER_RUNS = bytes(c if 97 <= c <= 122 else c + 32 if 65 <= c <= 90 else 32 for c in range(256))


class Letters:
    """A text's ASCII letters lower-cased, everything else a space (``text``), and the set of its runs of
    letters (``words``): cheap tests that a word or a word's beginning is in the text, before a regex.

    A piece of ``text`` (bytes) is looked for with ``text.find(piece) >= 0``, not ``piece in text``: ``in`` on
    bytes first tries its operand as an integer (a byte), and makes and drops a TypeError, dearer than the search."""

    __slots__ = ("encoded", "text", "words")

    def __init__(self, text: str) -> None:
        self.encoded = text.encode()  # the text's UTF-8 (the scan joins it with the rest of the definition)
        self.text = self.encoded.translate(_LETTER_RUNS)
        self.words = frozenset(self.text.split())


@lru_cache(maxsize=16)
def letters(text: str) -> Letters:
    """``Letters`` of ``text`` (remembered briefly: the steps of one classification test the same description)."""
    return Letters(text)


_CAPITAL_PAIR_RE = re.compile(r"[A-Z][A-Z]")
# translate: A-Z become "A", every other byte a space; an ASCII text holds two capitals in a row where this holds
# b"AA" (a translation and a search in C: several times faster than the engine's test of a charset at every
# character)
_CAPITALS = bytes(65 if 65 <= c <= 90 else 32 for c in range(256))


def has_capital_pair(text: str) -> bool:
    """Whether ``text`` holds two ASCII capitals in a row (an acronym, a keyword written in capitals: "SQL",
    "INSERT"): a cheap test before a pattern that needs them."""
    if text.isascii():
        return text.encode().translate(_CAPITALS).find(b"AA") >= 0
    return _CAPITAL_PAIR_RE.search(text) is not None


@lru_cache(maxsize=16)
def folded(text: str) -> str | None:
    """``text`` lower-cased with every letter that IGNORECASE matches to an ASCII letter made that letter, one
    character for one (the dotted and dotless I, the long s; the Kelvin sign lowers to k), or None when
    lower-casing changes the length. Remembered briefly: the steps of one classification search the same
    description with several patterns."""
    if text.isascii():
        return text.lower()
    lower = text.replace("\u0130", "i").lower().replace("\u0131", "i").replace("\u017f", "s")
    return lower if len(lower) == len(text) else None


class CaselessPattern:
    """A pattern matched without regard to case, faster: it runs, compiled without IGNORECASE, on the text
    folded to lower case (``folded``: for a pattern whose letters are ASCII, the same matches at the same
    places), and the match is quoted from the text as written.

    ``starts``: lower-case literals one of which begins every match (after a ``\\b``). The pattern is then
    tried only where one of them occurs, in order: the same matches as a search, without trying every
    position of a long text (a search for ``\\b(?:a|b|…)`` tries every alternative at every position).

    ``word_starts``: every match that opens with a letter opens a word (each alternative that can open with a letter
    opens with ``\\b``, or with ``^``): a start made of letters is then tried only where it opens a word, found by a
    search for it with no word character before it, not inside a word ("a" in "data", "is" in "this")."""

    __slots__ = ("_cased", "_ignorecase", "_starts", "_word_starts", "pattern")

    def __init__(self, pattern: str, starts: tuple[str, ...] = (), *, word_starts: bool = False) -> None:
        if any(c.isupper() for c in re.sub(r"\\.", "", pattern + "".join(starts))):
            raise ValueError(f"the letters of a caseless pattern must be lower case: {pattern!r}")
        if any(c.lower() != c or c.upper() != c for c in pattern if not c.isascii()):
            raise ValueError(f"a caseless pattern's letters must be ASCII: {pattern!r}")
        self.pattern = pattern
        self._ignorecase = re.compile(pattern, re.IGNORECASE)
        self._cased = re.compile(pattern)
        self._starts = starts
        # the starts made of letters, each found where no word character precedes it (the engine skips to the
        # literal by itself, then looks behind it)
        self._word_starts = (
            {start: re.compile(f"{re.escape(start)}(?<!\\w{re.escape(start)})") for start in starts if start.isalpha()}
            if word_starts
            else {}
        )

    def _matches(self, lower: str) -> Iterator[re.Match[str]]:
        """The matches in the folded text, in order, as ``finditer`` gives them."""
        if not self._starts:
            yield from self._cased.finditer(lower)
            return
        end = 0
        present = [start for start in self._starts if start in lower]  # most are not: one test each
        if not present:
            return
        if self._word_starts:
            found = self._word_occurrences(lower, present)
        else:
            found = occurrences(lower, present[0])
            for start in present[1:]:
                found += occurrences(lower, start)
        for at in sorted(set(found)) if len(present) > 1 else found:
            if at < end:
                continue
            m = self._cased.match(lower, at)
            if m is not None:
                yield m
                end = max(m.end(), at + 1)

    def _word_occurrences(self, lower: str, present: list[str]) -> list[int]:
        """Where the starts in ``present`` occur in ``lower``, those made of letters only where they open a word."""
        found: list[int] = []
        for start in present:
            word = self._word_starts.get(start)
            if word is None:
                found += occurrences(lower, start)
            else:
                found += [m.start() for m in word.finditer(lower)]
        return found

    def search(self, text: str) -> str | None:
        """The first match in ``text``, as written there, or None (most texts hold at most one of the starts: the
        pattern is tried where it occurs, with no generator, list or sort made for it)."""
        lower = folded(text)
        if lower is None:
            m = self._ignorecase.search(text)
            return None if m is None else m.group(0)
        held = ""
        for start in self._starts:
            if start in lower:
                if held or self._word_starts:  # two or more: their occurrences in order, as _matches gives them
                    for m in self._matches(lower):
                        return text[m.start() : m.end()]
                    return None
                held = start
        if not held:
            if self._starts:
                return None
            m = self._cased.search(lower)
            return None if m is None else text[m.start() : m.end()]
        match = self._cased.match
        at = lower.find(held)
        while at >= 0:
            m = match(lower, at)
            if m is not None:
                return text[at : m.end()]
            at = lower.find(held, at + 1)
        return None

    def finditer(self, text: str) -> Iterator[tuple[int, str]]:
        """Every match in ``text``: where it starts, and the match as written there."""
        lower = folded(text)
        if lower is None:
            for m in self._ignorecase.finditer(text):
                yield m.start(), m.group(0)
            return
        for m in self._matches(lower):
            yield m.start(), text[m.start() : m.end()]


def occurrences(text: str, sub: str) -> list[int]:
    """Where ``sub`` occurs in ``text`` (overlapping occurrences too)."""
    found: list[int] = []
    at = text.find(sub)
    while at >= 0:
        found.append(at)
        at = text.find(sub, at + 1)
    return found


def prose_words(text: str, limit: int) -> list[str]:
    """The first ``limit`` words of a piece of prose, lower-cased (sentence punctuation kept as ``.``)."""
    end = limit * 12
    if len(text) > end and _WORD_CHAR_RE.match(text, end - 1) and _WORD_CHAR_RE.match(text, end):
        after = _WORD_END_RE.search(text, end)  # not inside a word: "automatically" is no "automaticall"
        end = after.start() if after is not None else len(text)
    piece = text[:end]
    if piece.isascii():  # lower-cased first, in one go (lower-casing other letters may make ASCII ones)
        lower = piece.lower()
        found = _PROSE_SPLIT(lower)  # a plain text (most) split, not searched by the engine
        return (_PROSE_RE.findall(lower) if found is None else found)[:limit]
    return [word.lower() for word in _PROSE_RE.findall(piece)[:limit]]


def base_verb(word: str, verbs: Mapping[str, object]) -> str | None:
    """``word`` or its un-inflected form if that is a key of ``verbs`` ("queries" → "query")."""
    if word in verbs:
        return word
    candidates: list[str] = []
    if word.endswith("ies") and len(word) > 4:
        candidates.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        candidates.append(word[:-2])
    if word.endswith("s") and len(word) > 2:
        candidates.append(word[:-1])
    if word.endswith("ing") and len(word) > 5:
        stem = word[:-3]
        candidates += [stem, stem + "e"]
        if len(stem) > 2 and stem[-1] == stem[-2]:
            candidates.append(stem[:-1])
    if word.endswith("ed") and len(word) > 4:
        stem = word[:-2]
        candidates += [stem, word[:-1]]
        if word.endswith("ied"):
            candidates.append(word[:-3] + "y")
        if len(stem) > 2 and stem[-1] == stem[-2]:
            candidates.append(stem[:-1])
    for c in candidates:
        if c in verbs:
            return c
    return None


# On PlainSplitter's translation (letters, marks, "0" for a digit, spaces): a-z become "a", "0" stays, the rest a space
# (a letter followed by a digit is then "a0"); and the bytes that are not marks.
_LETTER_OR_DIGIT = bytes(97 if 97 <= c <= 122 else 48 if c == 48 else 32 for c in range(256))
_NOT_MARKS = bytes(range(97, 123)) + b" 0"


class PlainSplitter:
    """A tokenising pattern's ``findall`` on a plain lower-case ASCII text, by splitting it (several times faster
    than the engine), for a pattern whose words open with a letter and may hold digits after it. Plain: no
    character in ``not_plain`` (those a word may hold but not open with, or that make tokens of their own with
    others) and no letter followed by a digit; then every token is a run of letters or one of ``marks``, and
    every other character (a digit too: no word holds it) only separates them. Called, it gives the tokens, or
    None for a text that is not plain."""

    def __init__(self, marks: str, not_plain: str) -> None:
        self.marks = marks
        self._spaced = {mark: f" {mark} " for mark in marks}
        # marks and letters stay, digits become "0", characters that make a text not plain become NUL, every
        # other byte a space (upper-case letters do not occur in lower-cased text)
        self.table = bytes(
            c if chr(c) in marks or 97 <= c <= 122 else 48 if 48 <= c <= 57 else 0 if chr(c) in not_plain else 32
            for c in range(256)
        )

    def __call__(self, lower: str) -> list[str] | None:
        spaced = lower.encode().translate(self.table)
        if spaced.find(b"\0") >= 0:
            return None
        if spaced.find(b"0") >= 0:  # a digit: one after a letter is in a word ("erc20"); the others separate
            if spaced.translate(_LETTER_OR_DIGIT).find(b"a0") >= 0:
                return None
            spaced = spaced.replace(b"0", b" ")
        held = spaced.translate(None, _NOT_MARKS)  # the marks the text holds (most texts one or two kinds)
        text = spaced.decode()
        spaced_marks = self._spaced
        for mark in set(held.decode()) if len(held) > 1 else held.decode():
            text = text.replace(mark, spaced_marks[mark])
        return text.split()


# _PROSE_RE's tokens of a plain text: its marks; the characters a word may hold but not open with make a text not plain
_PROSE_SPLIT = PlainSplitter(".!?:;", "'-")
