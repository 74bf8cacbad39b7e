"""``tokens.tokenize``'s shortcut for names without capitals splits them as the general rule does; ``has_capital_pair``
answers as a search for two capitals in a row."""

from __future__ import annotations

import random
import re

from portcullis.catalog.tokens import has_capital_pair, prose_words, tokenize, tokenize_tuple


def test_a_name_without_capitals_splits_as_any_name() -> None:
    rng = random.Random(11)
    alphabet = "abxyzAB09_-. é\u0130\u0131"
    names = ["create_issue", "get-v2-data", "abc123def", "2fa_reset", "a1b2", "getERC20Balance", "ǅx", ""]
    names += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(20_000)]
    for name in names:
        assert tokenize(name) == list(tokenize_tuple(name)), name


def test_two_capitals_in_a_row_are_found_as_a_search_finds_them() -> None:
    rng = random.Random(12)
    alphabet = "aAbBzZ09 .-_é\u0130\u212a\U0001f600"
    texts = ["INSERT, UPDATE", "Get a thing.", "A B", "aBc", "x\u0130\u0130", "SQL", "Z", "", "é AB"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10))) for _ in range(20_000)]
    pair = re.compile(r"[A-Z][A-Z]")
    found = 0
    for text in texts:
        expected = pair.search(text) is not None
        assert has_capital_pair(text) == expected, ascii(text)
        found += expected
    assert found > 1000  # not vacuous


def test_prose_words_never_cuts_a_word() -> None:
    """Read from a prefix of the text, the words were cut where it ended ("automaticall")."""
    assert prose_words("Automatically reset failed units", 1) == ["automatically"]
    assert prose_words("Internationalization settings of the site", 2) == ["internationalization", "settings"]
    assert prose_words("x" * 21 + " analysis of it", 2) == ["x" * 21, "analysis"]
