"""The cheap tests the scan makes before an instruction pattern runs (``clear``): most texts hold none of the
words a pattern needs, and are cleared of it by a set test on their runs of letters. ``_NEEDS`` holds one entry
per pattern of ``instructions.INSTRUCTION_PATTERNS``, in the same order.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from portcullis.catalog.instructions import fold, search

__all__ = ["LETTER_RUNS", "NEEDED_WORDS", "Views", "clear", "clear_of", "gated"]

# The fast path tests something cheaper first, per pattern, on the text's letters (``LETTER_RUNS``: a-z, A-Z
# lower-cased, everything else a space): the pattern can only match when, for one of its alternatives, every
# requirement holds. A requirement is a set of words (one is a run of those letters), letters (bytes) the
# letters contain, phrases (a tuple of (its first word, a word of the phrase, the phrase): one whose two words are
# runs is in the runs joined by single spaces), or a string the lower-cased text contains. Every match of the
# pattern meets one alternative: a word it requires stands between word boundaries or whitespace in it (a whole
# run of letters), and the words of a phrase only whitespace between. Then the pattern itself decides. A string
# (ASCII, none of its letters one that a character other than its cases lowers or folds to) is in the lower-
# cased text only where its letters with the rest made spaces are in the letters: that test is made first
# (the letters are at hand, the lower-cased text is made for it).
_Requirement: TypeAlias = frozenset[bytes] | bytes | tuple[tuple[bytes, bytes, bytes], ...] | str


def _words(text: bytes) -> frozenset[bytes]:
    return frozenset(text.split())


def _phrases(firsts: str, seconds: str) -> tuple[tuple[bytes, bytes, bytes], ...]:
    """Every first word followed by every second word (``_`` in a word is a space: "don_t" is "don't"), each
    with its first word and the second word: a phrase is looked for only when both are runs of the text (every
    match of a pattern has a word boundary or whitespace before its first word, and after its second one)."""
    return tuple(
        (a.split("_")[0].encode(), b.encode(), f"{a} {b}".replace("_", " ").encode())
        for a in firsts.split()
        for b in seconds.split()
    )


def _phrase(phrase: str) -> tuple[tuple[bytes, bytes, bytes], ...]:
    """A phrase whose first word is a run where it occurs (its last word may run on: "system prompts")."""
    first = phrase.split()[0].encode()
    return ((first, first, phrase.encode()),)


_READERS = _words(b"read send pass include attach upload cat open copy print show output contents provide share load")
_HIDING_VERBS = "tell inform mention reveal show disclose notify alert let"
_GIVERS = _words(b"grant grants give gives")
_NEEDS: tuple[tuple[tuple[_Requirement, ...], ...], ...] = (
    (("<", _words(b"important system instruction instructions secret hidden critical admin prompt")),),
    (
        (
            _words(b"ignore disregard forget override"),
            _words(b"previous prior above earlier preceding other system existing"),
        ),
    ),
    (
        (
            _words(_HIDING_VERBS.encode()),
            _words(b"not don dont never"),
            _words(b"user users human humans operator operators"),
            _phrases("not don_t dont never", _HIDING_VERBS),
        ),
    ),
    (
        (
            _words(b"without"),
            _words(b"user users human humans"),
            _phrases("without", "telling informing notifying asking alerting showing"),
        ),
    ),
    tuple(
        (needed[0], _READERS, *needed[1:])
        for needed in (
            (_words(b"rsa"), _words(b"id")),
            (_words(b"ed"), _words(b"id")),
            (_words(b"aws"), b"credentials"),
            (_words(b"mcp"), _words(b"json"), b"mcp json", "mcp.json"),
            (_words(b"cursor"), b" cursor ", ".cursor/"),
            (_words(b"env"), b" env", ".env"),
            ("~", "~/.", "~/.ssh"),  # "~/." as written, a quick search before the lower-cased "~/.ssh"
            (_words(b"etc"), b"passwd"),
            (_words(b"etc"), b"shadow"),
        )
    ),
    (
        (_words(b"system"), b"prompt", _phrase("system prompt")),
        (_words(b"now"), _words(b"you"), _words(b"are"), _phrase("you are now")),
        (_words(b"new"), b"instructions", _phrase("new instructions")),
        *(
            (_GIVERS, _words(b"you"), b"access", _phrases("grant grants give gives", "you")),
            (_GIVERS, _words(b"you"), b"permission", _phrases("grant grants give gives", "you")),
            (_words(b"have"), _words(b"you"), b"access", _phrase("you have") + _phrase("you now have")),
            (_words(b"have"), _words(b"you"), b"permission", _phrase("you have") + _phrase("you now have")),
        ),
    ),
    (
        (_words(b"instead"), _words(b"using calling"), _phrase("instead of using") + _phrase("instead of calling")),
        (
            _words(b"other"),
            _words(b"do"),
            _words(b"not"),
            _words(b"use"),
            b"tool",
            _phrase("do not use"),
            _phrase("other tool"),
        ),
    ),
    (
        (
            _words(b"must always first"),
            _words(
                b"key ssh credential credentials password passwords secret secrets token tokens conversation history"
            ),
            _phrases("must always first", "read send pass include attach forward upload"),
        ),
    ),
)
_CASELESS = frozenset({"<", "~", "~/."})  # strings without letters: looked for in the text as it is


def _gate(alternatives: tuple[tuple[_Requirement, ...], ...]) -> tuple[frozenset[bytes], tuple[str, ...]]:
    """One requirement of each alternative (a string without letters, else its first set of words, the one
    written first as the rarest in tool definitions): a text with none of them is cleared of the pattern in one
    test."""
    words: set[bytes] = set()
    strings: list[str] = []
    for alternative in alternatives:
        caseless = [r for r in alternative if isinstance(r, str) and r in _CASELESS]
        if caseless:
            strings.append(caseless[0])
        else:
            words |= next(r for r in alternative if isinstance(r, frozenset))
    return frozenset(words), tuple(strings)


_GATES = tuple(_gate(alternatives) for alternatives in _NEEDS)
# The same, by word (the patterns it lets through) and by string.
_GATE_WORDS: dict[bytes, tuple[int, ...]] = {
    word: tuple(i for i, (words, _) in enumerate(_GATES) if word in words) for words, _ in _GATES for word in words
}
_GATE_WORD_SET = frozenset(_GATE_WORDS)  # intersected with a set, the smaller one is iterated (not with a dict)
_GATE_STRINGS: tuple[tuple[str, int], ...] = tuple(
    (string, i) for i, (_, strings) in enumerate(_GATES) for string in dict.fromkeys(strings)
)
_GATE_STRINGS_BYTES = tuple((string.encode(), i) for string, i in _GATE_STRINGS)
NEEDED_WORDS: frozenset[bytes] = frozenset().union(
    *(
        r if isinstance(r, frozenset) else frozenset(word for first, second, _ in r for word in (first, second))
        for alts in _NEEDS
        for alt in alts
        for r in alt
        if isinstance(r, (frozenset, tuple))
    )
)
# A phrase is in the runs joined by single spaces where it is in the letters with its spaces made runs of spaces
# (no runs to split and join). Every match opens with the phrase's first word and a space: the pattern is tried
# only where ``find`` (a skipping search in C, several times faster per byte than the engine's scan for a
# pattern's literal prefix) finds those, which gives the answer of a search.
_PHRASE_RES: dict[bytes, tuple[bytes, re.Pattern[bytes]]] = {
    phrase: (
        phrase.split(b" ", 1)[0] + b" ",
        re.compile(re.escape(phrase).replace(b"\\ ", b" ").replace(b" ", b" +")),
    )
    for alts in _NEEDS
    for alt in alts
    for r in alt
    if isinstance(r, tuple)
    for _, _, phrase in r
}
# translate: a-z stay, A-Z become a-z, the rest is a space
LETTER_RUNS = bytes(c if 97 <= c <= 122 else c + 32 if 65 <= c <= 90 else 32 for c in range(256))


def gated(words: frozenset[bytes], encoded: bytes) -> set[int]:
    """The patterns one of whose gates lets a text through: ``words`` its runs of letters among ``NEEDED_WORDS``,
    ``encoded`` the text in UTF-8 (the gates' strings are ASCII: each is in the text where it is in its encoding)."""
    patterns = {i for word in words & _GATE_WORD_SET for i in _GATE_WORDS[word]}
    for string, i in _GATE_STRINGS_BYTES:
        if encoded.find(string) >= 0:  # find, not in: see tokens.Letters
            patterns.add(i)
    return patterns


def clear_of(patterns: set[int], views: Views, text: str) -> bool:
    """None of ``patterns`` (``gated``'s) matches ``text`` (in any order: any match decides)."""
    for i in patterns:  # a loop, not any() over a generator (cheaper for the one or two most texts let through)
        if _may_match(_NEEDS[i], views) and search(i, text):
            break
    else:
        return True
    return False


def clear(views: Views, text: str) -> bool:
    """No pattern matches: those that one of their gates lets through are tried (in any order: any match decides)."""
    patterns = {i for word in views.words & _GATE_WORD_SET for i in _GATE_WORDS[word]}
    patterns.update(i for string, i in _GATE_STRINGS if string in text)
    return clear_of(patterns, views, text)


def _has_phrase(letters: bytes, phrase: bytes) -> bool:
    """Whether ``phrase`` (words joined by single spaces) is in ``letters`` with runs of spaces between its words:
    ``_PHRASE_RES[phrase]``'s search, tried only where its first word and a space occur."""
    head, pattern = _PHRASE_RES[phrase]
    at = letters.find(head)
    while at >= 0:
        if pattern.match(letters, at) is not None:
            return True
        at = letters.find(head, at + 1)
    return False


class Views:
    """The views of a text the requirements are tested on; the costlier ones made when first asked."""

    __slots__ = ("_encoded", "_letters", "_lower", "_runs", "folded", "raw", "words")

    def __init__(
        self,
        raw: str,
        folded: str,
        words: frozenset[bytes] | None = None,
        encoded: bytes | None = None,
        letters: bytes | None = None,
    ) -> None:
        self.raw = raw
        self.folded = folded  # the dotless and dotted I made i, as IGNORECASE matches them
        self._encoded = encoded  # folded's UTF-8, when the caller has it
        self._letters = letters  # its letters (LETTER_RUNS), when the caller has them
        self._runs: list[bytes] | None = None
        self.words = NEEDED_WORDS.intersection(self.runs()) if words is None else words
        self._lower: str | None = None

    def letters(self) -> bytes:
        if self._letters is None:
            encoded = self._encoded if self._encoded is not None else self.folded.encode()
            self._letters = encoded.translate(LETTER_RUNS)
        return self._letters

    def runs(self) -> list[bytes]:
        if self._runs is None:
            self._runs = self.letters().split()
        return self._runs

    def lower(self) -> str:
        if self._lower is None:
            self._lower = fold(self.raw)
        return self._lower

    def holds(self, needed: str, *, as_written: bool = False) -> bool:
        """Whether the lower-cased text (``as_written``: the text) holds ``needed``, an ASCII string of a
        requirement. With the UTF-8 at hand (ASCII or stable text, whose lower-cased ASCII letters are those of its
        ASCII characters), looked for in the bytes (an ASCII byte is in UTF-8 only as that character; a search of
        bytes skips faster than one of text that is not ASCII), and without lower-casing the text (dear for a long
        one): where the letters hold ``needed``'s letters with spaces for its other characters, the bytes there
        lower-cased are ``needed``."""
        encoded = self._encoded
        if encoded is None:
            return needed in (self.raw if as_written else self.lower())
        target = needed.encode()
        if as_written:
            return encoded.find(target) >= 0
        shape = target.translate(LETTER_RUNS)
        letters = self.letters()
        # a first character that is no letter (".env", "~/.ssh") stands as written there: one test of a byte before
        # the slice is lower-cased
        first = target[0] if shape[0] == 32 else -1
        at = letters.find(shape)
        while at >= 0:
            if (first < 0 or encoded[at] == first) and encoded[at : at + len(target)].lower() == target:
                return True
            at = letters.find(shape, at + 1)
        return False


def _may_match(alternatives: tuple[tuple[_Requirement, ...], ...], views: Views) -> bool:
    """Whether one alternative has all its requirements in the text (see ``_NEEDS``)."""
    for requirements in alternatives:
        for needed in requirements:
            if isinstance(needed, frozenset):
                if views.words.isdisjoint(needed):
                    break
            elif isinstance(needed, bytes):
                if views.letters().find(needed) < 0:
                    break
            elif isinstance(needed, tuple):
                if not _has_any_phrase(needed, views):
                    break
            elif not views.holds(needed, as_written=needed in _CASELESS):
                break
        else:
            return True
    return False


def _has_any_phrase(needed: tuple[tuple[bytes, bytes, bytes], ...], views: Views) -> bool:
    """Whether one of the phrases is in the text (tested only where its two words are runs of letters there)."""
    words = views.words
    for first, word, phrase in needed:  # a loop, not any() over a generator
        if word in words and first in words and _has_phrase(views.letters(), phrase):
            break
    else:
        return False
    return True
