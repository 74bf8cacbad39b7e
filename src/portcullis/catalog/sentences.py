"""A description split into its first sentences, each a tuple of tokens, as ``prose`` reads them: lower-case words
(a type name ``List[`` becomes ``[``) and punctuation, a parenthesis skipped as an aside, a docstring's ``Args:``
section and a leading ``[label]`` cut off, a full stop inside a word ("config.json") ending no sentence and an address
("example.com/posts/new") one word. Written by hand: it is the classifier's hottest text work, and no tokenizer
library gives these rules at this speed (a plain text is split in C by ``tokens.PlainSplitter``, the regex engine
only for the rest).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from portcullis.catalog.lexicon import VERBS
from portcullis.catalog.tokens import PlainSplitter, has_capital_pair, letters

__all__ = ["sentences"]

_SENTENCE_TOKENS = 40  # a sentence longer than this is cut here
# \b[A-Z]{2,}\b, written to open with a character class: the engine skips to an upper-case letter by itself
_UPPER_RE = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]+\b")
_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z0-9'_]*(?:-[A-Za-z0-9_]+)*\[?|[.!?:;,|/&()]|\s[-\u2013\u2014]\s|\n\s*\n")
# _TOKEN_RE's tokens of a plain text: the marks it makes tokens of; the characters a word may hold but not open
# with, and "[" (a type name's), make a text not plain (a digit only after a letter: tokens.PlainSplitter)
_PLAIN_SPLIT = PlainSplitter(".!?:;,|/&()", "'_-[")
_SENTENCE_END: Final[frozenset[str]] = frozenset({".", "!", "?"})
_ASCII_LOWER: Final[frozenset[str]] = frozenset("abcdefghijklmnopqrstuvwxyz")
_SENTENCES = 3
_SIDE_EFFECT_CHARS = 1200
_LEAD_CHARS = 300
_SIDE_EFFECT_SENTENCES = 8
# A full stop with a lower-case letter or a digit right after it is inside a word (a domain, a file name, a
# version): it ends no sentence.
_INNER_DOT_RE = re.compile(r"\.(?=[a-z0-9])")
# A host name and the path after it ("example.com/posts/new"): an address, whose words are no verbs (found first
# from its last dot: a search that starts at every letter of every word costs more).
_HOST_PATH_RE = re.compile(r"\.[A-Za-z0-9-]+/")
_ADDRESS_RE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[A-Za-z0-9_~%-]*(?:\.[A-Za-z0-9_~%-]+)*)+")
_DOCSTRING_SECTION_RE = re.compile(
    r"\n\s*(?:Args|Arguments|Parameters|Params|Returns?|Raises|Examples?|Notes?)\s*:", re.IGNORECASE
)
# The headings _DOCSTRING_SECTION_RE finds, as runs of letters (an ASCII text matches it only in ASCII letters).
_SECTION_WORDS: Final[frozenset[bytes]] = frozenset(
    b"args arguments parameters params return returns raises example examples note notes".split()
)


def _may_open_section(description: str) -> bool:
    return not _SECTION_WORDS.isdisjoint(letters(description).words)


def sentences(description: str, *, paragraphs: bool = False, most: int = _SENTENCES) -> tuple[tuple[str, ...], ...]:
    """The first sentences' tokens: lower-case words (a type name ``List[`` becomes ``[``) and punctuation.
    Only the first paragraph's (at most ``most``), unless ``paragraphs`` (at most eight)."""
    if paragraphs:
        return _split(description, _SIDE_EFFECT_SENTENCES, False, _SIDE_EFFECT_CHARS)[0]
    split, first_paragraph = _split(description, most, True, _LEAD_CHARS if most == 1 else _SIDE_EFFECT_CHARS // 2)
    return split[:first_paragraph]


@lru_cache(maxsize=1024)
def _split(description: str, most: int, paragraph: bool, chars: int) -> tuple[tuple[tuple[str, ...], ...], int]:
    """The first ``most`` sentences of the description's first ``chars`` characters (only the first
    paragraph's if ``paragraph``; tokenised once per description and extent), and how many the first
    paragraph holds."""
    text = _without_inner_dots(description[:chars]).lstrip()
    if text.startswith("["):  # "[MySQL MCP Server [v1]] Run SQL queries": a label before the sentence
        depth = 0
        for i, ch in enumerate(text):
            depth += (ch == "[") - (ch == "]")
            if depth == 0:
                text = text[i + 1 :]
                break
    # a section opens a line; in an ASCII description its heading is a run of letters (tokens.letters)
    sections = "\n" in text and ":" in text and (not description.isascii() or _may_open_section(description))
    cut = _DOCSTRING_SECTION_RE.search(text) if sections else None
    if cut is not None:
        text = text[: cut.start()]
    # a sentence most often ends at a full stop: tokenise no further than the most-th one if that is enough
    end = _nth_end(text, most)
    if end is not None and end < len(text):
        found, done = _tokenise(text[:end], most, paragraph, ends=most == 1)
        if done:
            return found
    return _tokenise(text, most, paragraph, ends=most == 1 and end == len(text))[0]


def _without_inner_dots(text: str) -> str:
    """The text with no full stop inside a word ("example.com", "config.json": no sentence ends there) and an
    address as one word ("example.com/posts/new")."""
    if _INNER_DOT_RE.search(text) is None:
        return text
    if _HOST_PATH_RE.search(text) is not None:
        text = _ADDRESS_RE.sub(lambda m: m.group(0).replace(".", "_").replace("/", "_"), text)
    return _INNER_DOT_RE.sub(" ", text)  # a space keeps the text plain (_plain_tokens): no "_" in a word


def _nth_end(text: str, n: int) -> int | None:
    """Where the ``n``-th of the text's ".", "!" and "?" ends, or None: searches in C for each of the three
    (at most ``n`` of each), faster than a regex's character class tried at every character."""
    if n == 1:  # each search no further than the end found so far (no list made: most texts have one mark)
        end = text.find(".")
        if end < 0:
            end = len(text)
        at = text.find("!", 0, end)
        if at >= 0:
            end = at
        at = text.find("?", 0, end)
        if at >= 0:
            end = at
        return end + 1 if end < len(text) else None
    found = []
    for mark in ".!?":  # the n-th of all three is among the first n of each
        at, left = text.find(mark), n
        while at >= 0 and left:
            found.append(at)
            left -= 1
            at = text.find(mark, at + 1) if left else -1
    if len(found) < n:
        return None
    found.sort()
    return found[n - 1] + 1


def _tokenise(
    text: str, most: int, paragraph: bool, *, ends: bool = False
) -> tuple[tuple[tuple[tuple[str, ...], ...], int], bool]:
    """``_split``'s answer for ``text`` (its label and docstring sections already cut off), and whether it was
    complete before the end of ``text``. Every token of a piece of ``text`` that ends at a full stop is a
    token of ``text``: an answer complete in the piece is the answer for ``text``. ``ends``: the text ends at
    its first ".", "!" or "?" (and holds no other), as ``_split`` knows from the end it cut it at."""
    # "INSERT, UPDATE": statement keywords, not verbs (a cheap test before _UPPER_RE; most words in capitals are
    # acronyms that are no verb, "API", "URL": the text is rewritten only when one is a verb)
    if has_capital_pair(text) and any(word.lower() in VERBS for word in _UPPER_RE.findall(text)):
        text = _UPPER_RE.sub(_unless_verb, text)
    lower = text.lower()
    tokens = _plain_tokens(lower)
    if tokens is None:
        tokens = _TOKEN_RE.findall(lower)
    if most == 1 and ends and len(tokens) <= _SENTENCE_TOKENS and _no_aside(lower):
        # the common case, without the walk: no aside, type name or blank line, one full stop, at the end
        if "-" in lower or "\u2013" in lower or "\u2014" in lower:  # a dash between spaces is a token to strip
            out = [t if t[0] in _ASCII_LOWER or len(t) == 1 else t.strip() for t in tokens[:-1]]
        else:
            out = tokens[:-1]
        return ((tuple(out),), 1) if out else ((), 0), bool(out)
    sentences: list[tuple[str, ...]] = []
    first_paragraph = 0
    out = []
    depth = 0
    for token in tokens:
        if token[0] in _ASCII_LOWER:  # a word (the others are punctuation or begin with a space)
            if depth:
                continue
            out.append(token if token[-1] != "[" else "[")  # "List[str]": a type, not a word
            if len(out) < _SENTENCE_TOKENS:
                continue
            token = "."
        elif token == "(":  # a parenthesis is an aside ("(can buy but not sell)"): skip it
            depth += 1
            continue
        elif token == ")":
            depth = max(0, depth - 1)
            continue
        else:
            token = token.strip()
            if token and token not in _SENTENCE_END:
                if not depth:
                    out.append(token)
                continue
        if out:  # the end of a sentence (or of a paragraph: token "")
            sentences.append(tuple(out))
            out = []
            if len(sentences) == most:
                return (tuple(sentences), first_paragraph or len(sentences)), True
        if not token and not first_paragraph:  # a blank line ends the first paragraph
            first_paragraph = len(sentences)
            if paragraph:
                return (tuple(sentences), first_paragraph or len(sentences)), True
    if out and len(sentences) < most:
        sentences.append(tuple(out))
    return (tuple(sentences), first_paragraph or len(sentences)), False


def _unless_verb(m: re.Match[str]) -> str:
    """A word in capitals, removed if it is a verb ("DELETE")."""
    return "" if m.group(0).lower() in VERBS else m.group(0)


def _plain_tokens(lower: str) -> list[str] | None:
    """``_TOKEN_RE.findall(lower)`` for a plain text, by splitting it (several times faster than the engine);
    None for another. Plain: ASCII, at most one line break, no character that a word may hold but not open
    with (``'``, ``_``, ``-``; a digit after a letter) or that makes a token of its own with others (``[``).
    Then every token is a run of letters or one punctuation mark, and every other character (a space, a quote,
    ``*``, a digit) only separates them: the punctuation marks spaced out, the text splits into its tokens."""
    if not lower.isascii() or lower.count("\n") > 1:
        return None
    return _PLAIN_SPLIT(lower)


def _no_aside(lower: str) -> bool:
    """A text with no parenthesis, type name (``List[``) or line break: if it ends a sentence at its last character
    and nowhere before (``_tokenise``'s ``ends``), its tokens but the last are one sentence's, as they are (fewer
    than ``_SENTENCE_TOKENS`` of them)."""
    return "(" not in lower and ")" not in lower and "[" not in lower and "\n" not in lower
