"""The classifier's caseless patterns find what an IGNORECASE search finds, where it finds it.

They run on folded text and only where one of their literal beginnings occurs (``tokens.CaselessPattern``):
checked against a plain ``re.IGNORECASE`` search on every string of every fixture definition, and on text
with the letters IGNORECASE folds to ASCII ones (dotted and dotless I, long s, Kelvin sign).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path

import pytest

import portcullis.catalog
from portcullis.catalog import operation_args, routers, scan, sentences
from portcullis.catalog.scan import iter_strings
from portcullis.catalog.tokens import CaselessPattern

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Every module of the catalogue, found rather than listed (a pattern moved to a new module stays tested).
_MODULES = [
    importlib.import_module(f"portcullis.catalog.{info.name}")
    for info in pkgutil.iter_modules(portcullis.catalog.__path__)
]
PATTERNS = {
    f"{module.__name__.rsplit('.', 1)[-1]}.{name}": value
    for module in _MODULES
    for name, value in vars(module).items()
    if isinstance(value, CaselessPattern)
}
CRAFTED = (
    "Permanently DELETES all rows. This cannot be undone; it OVERWRITES files.",
    "WARNING: use with care. Runs ANY SQL you give it in a shell (read and write operations).",
    "D\u0130SABLE the \u017fecurity settings: full acce\u017fs; \u0131rreversible; \u212aeep the p\u0131ssword.",
    "Only SELECT queries. Read-only. Does not modify data. Set to true to delete the old copy.",
    "A sub-command router: available commands. Accepts HTTP or REST methods, html templates, allowedDirectories.",
    "⚠ Danger: mass update, send all, revoke all, in batches, batch of 10, multiple targets.",
    # every alternative of wording._PAYS_RE, which is tried only where one of its openings occurs
    "Requires x402 USDC payment. It will be paid automatically from the wallet; fees are paid from credits. This "
    "charges the customer's card, deducts credits from the balance, is a paid operation, a financial transaction, "
    "bills the customer and results in a charge. this tool requires a payment",
)


def _texts() -> list[str]:
    texts = list(CRAFTED)
    for path in sorted(FIXTURES.glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        tools = data.get("tools", data) if isinstance(data, dict) else data
        for tool in tools if isinstance(tools, list) else []:
            if isinstance(tool, dict):
                texts += [text for _, text in iter_strings(tool) if len(text) > 3]
    return list(dict.fromkeys(texts))


TEXTS = _texts()


def test_every_pattern_is_checked_on_many_texts() -> None:
    assert len(PATTERNS) >= 15 and len(TEXTS) > 5000


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_caseless_pattern_finds_what_an_ignorecase_search_finds(name: str) -> None:
    pattern = PATTERNS[name]
    plain = re.compile(pattern.pattern, re.IGNORECASE)
    hits = 0
    for text in TEXTS:
        expected = [(m.start(), m.group(0)) for m in plain.finditer(text)]
        assert list(pattern.finditer(text)) == expected, (name, text[:200])
        assert pattern.search(text) == (expected[0][1] if expected else None), (name, text[:200])
        hits += bool(expected)
    assert hits, f"{name} matched nothing: the check proves nothing"


def test_the_upper_case_word_pattern_finds_what_its_plain_form_finds() -> None:
    # sentences._UPPER_RE is \b[A-Z]{2,}\b written to open with a character class (faster): the same matches
    plain = re.compile(r"\b[A-Z]{2,}\b")
    crafted = ("INSERT, UPDATE", "ABCd XY_Z éAB AB1 _AB ÀBC A AB", "x\u0130AB İİ K\u212aA", "(DELETE)-DROP.GET")
    hits = 0
    for text in (*crafted, *TEXTS):
        expected = [m.span() for m in plain.finditer(text)]
        assert [m.span() for m in sentences._UPPER_RE.finditer(text)] == expected, text[:200]
        hits += bool(expected)
    assert hits > 100


def test_the_utf8_pattern_of_hidden_characters_finds_the_same_characters() -> None:
    # every code point (but surrogates, which UTF-8 does not encode), each between two letters
    text = "a".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    encoded = text.encode()
    found = [
        encoded[m.start() : m.start() + 4].decode(errors="ignore")[0] for m in scan._HIDDEN_UTF8_RE.finditer(encoded)
    ]
    assert found == scan._HIDDEN_RE.findall(text)
    assert len(found) == 1 + 1 + 5 + 5 + 5 + 4 + 1 + 128  # not vacuous: every hidden character, once


def test_the_identifier_pattern_finds_what_its_plain_form_finds() -> None:
    # operation_args._IDENTIFIER_RE is its plain form with the first run possessive (faster): the same matches
    plain = re.compile(r"\b[A-Za-z][a-z0-9]*(?:[_-][A-Za-z0-9]+)+\b")
    crafted = ("get_user list-items ab-cd_é fooBar-baz x_ _y a-b-c- AB_CD aB_c k8s_pod-9 éa_b", "run_query_")
    hits = 0
    for text in (*crafted, *TEXTS):
        expected = [m.span() for m in plain.finditer(text)]
        assert [m.span() for m in operation_args._IDENTIFIER_RE.finditer(text)] == expected, text[:200]
        hits += bool(expected)
    assert hits > 100


def test_the_router_sentence_split_is_the_split_of_its_plain_pattern() -> None:
    # routers._split_sentences searches from the punctuation, not at every position: the same pieces
    plain = re.compile(r"(?<=[.!?])(?=\s|[A-Z])|\n\s*\n")
    crafted = ("a.\n\nB", "a!\n\nB. c", "\n\n.B", "a?!B", "a. \n\nB", "a.. b.", "x.Y.z \n \n\nw", "", ".", "a.\n")
    split = 0
    for text in (*crafted, *TEXTS):
        assert routers._split_sentences(text) == plain.split(text), text[:200]
        split += len(plain.split(text)) > 1
    assert split > 100


def test_hidden_characters_are_found_among_the_bytes_that_are_not_ascii() -> None:
    # scan deletes the ASCII bytes before the search (faster): the characters that are not ASCII stay whole
    every = "a".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF).encode()
    crafted = ("a\u200bb", "é\u00ad\u2014x", "\u2019 \U000e0041 —", "\xc2 plain", "\u202e\u2066")
    assert scan._HIDDEN_UTF8_RE.findall(every.translate(None, scan._ASCII)) == scan._HIDDEN_UTF8_RE.findall(every)
    hits = 0
    for text in (*crafted, *TEXTS):
        encoded = text.encode()
        found = scan._HIDDEN_UTF8_RE.findall(encoded.translate(None, scan._ASCII))
        assert found == scan._HIDDEN_UTF8_RE.findall(encoded), text[:200]
        hits += bool(found)
    assert hits >= 4


def test_a_plain_first_sentence_is_tokenised_as_the_walk_tokenises_it() -> None:
    # sentences._tokenise keeps the tokens of a plain sentence as found, without the walk: the same answer (told
    # nothing of where the text ends, it always walks)
    crafted = ("Stop and remove a container - then run one.", "Get it \u2013 now!", "A, b: c; d | e / f & g?", ".")
    pieces = []
    for text in (*crafted, *TEXTS):
        ends = [at for at in (text.find("."), text.find("!"), text.find("?")) if at >= 0]
        pieces += [text[: min(ends) + 1], text] if ends else [text]
    # at_end: the piece ends at its first sentence end and holds no other (what _split passes)
    first_end = [re.search(r"[.!?]", piece) for piece in pieces]
    at_end = [m is not None and m.end() == len(piece) for m, piece in zip(first_end, pieces, strict=True)]
    assert [sentences._nth_end(piece, 1) == len(piece) for piece in pieces] == at_end
    fast = [sentences._tokenise(piece, 1, True, ends=end) for piece, end in zip(pieces, at_end, strict=True)]
    plain = sum(end and sentences._no_aside(piece.lower()) for piece, end in zip(pieces, at_end, strict=True))
    assert fast == [sentences._tokenise(piece, 1, True) for piece in pieces]
    assert plain > 1000  # not vacuous


def test_every_sentence_the_routing_mechanics_pattern_matches_holds_one_of_its_words() -> None:
    # routers._sentences searches a sentence for _MECHANICS_RE only when _may_be_mechanics (faster): never one it
    # matches is skipped
    crafted = ("A Hierarchical MCP  Command router.", "Set LEARN = true", "Calls ARE\trouted", "to invoke a COMMAND")
    hits = 0
    for text in (*crafted, *TEXTS):
        if routers._MECHANICS_RE.search(text):
            assert routers._may_be_mechanics(text), text[:200]
            hits += 1
    assert hits >= len(crafted)


def test_a_plain_router_sentence_is_split_into_the_tokens_of_the_pattern() -> None:
    # routers._plain_tokens splits a plain lower-case ASCII text instead of running _TOKEN_RE (faster): the same tokens
    crafted = (
        "get, list & delete (widgets) | a/b: c; d",
        "x-y z's 9a b9 - c",
        "plain words only",
        "",
        "  ;  ",
        "get 20 erc20 tokens, 2fa (10) x",
        "list 3 items: 4a, 5",
    )
    plain = 0
    for text in (*crafted, *TEXTS):
        lower = text.lower()
        if not lower.isascii():
            continue
        found = routers._plain_tokens(lower)
        if found is not None:
            assert found == routers._TOKEN_RE.findall(lower), text[:200]
            plain += 1
    assert plain > 1000  # not vacuous
