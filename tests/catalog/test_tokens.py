"""``tokens.tokenize``'s shortcut for names without capitals splits them as the general rule does."""

from __future__ import annotations

import random

from portcullis.catalog.tokens import tokenize, tokenize_tuple


def test_a_name_without_capitals_splits_as_any_name() -> None:
    rng = random.Random(11)
    alphabet = "abxyzAB09_-. é\u0130\u0131"
    names = ["create_issue", "get-v2-data", "abc123def", "2fa_reset", "a1b2", "getERC20Balance", "ǅx", ""]
    names += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(20_000)]
    for name in names:
        assert tokenize(name) == list(tokenize_tuple(name)), name
