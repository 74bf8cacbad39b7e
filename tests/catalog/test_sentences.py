"""``sentences``'s shortcuts give what its patterns give: the split of a plain text is ``_TOKEN_RE``'s tokens, and the
n-th sentence end is the n-th match of ``[.!?]``."""

from __future__ import annotations

import json
import random
import re
from itertools import islice
from pathlib import Path

from portcullis.catalog.sentences import _TOKEN_RE, _nth_end, _plain_tokens

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _descriptions() -> list[str]:
    out: list[str] = []
    for path in [
        *sorted((FIXTURES / "real-servers").glob("*.json")),
        *sorted((FIXTURES / "catalogues").glob("*.json")),
    ]:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            out += [t["description"] for t in data if isinstance(t, dict) and isinstance(t.get("description"), str)]
    return out


def test_a_plain_text_splits_into_the_patterns_tokens() -> None:
    rng = random.Random(11)
    texts = [piece for d in _descriptions() for piece in (d, d[:80], d[:300])]
    texts += [
        "".join(rng.choice("ab .,;:!?|/&()\"*#\n\t=<>]'_-[0") for _ in range(rng.randint(0, 15))) for _ in range(20_000)
    ]
    plain = 0
    for text in texts:
        lower = text.lower()
        tokens = _plain_tokens(lower)
        if tokens is not None:
            plain += 1
            assert tokens == _TOKEN_RE.findall(lower), text
    assert plain > 1000  # the shortcut is taken, not only declined


def test_the_nth_sentence_end_is_the_nth_mark() -> None:
    rng = random.Random(11)
    marks = re.compile(r"[.!?]")
    for _ in range(20_000):
        text = "".join(rng.choice("ab .!?\u2014") for _ in range(rng.randint(0, 30)))
        for n in (1, 2, 3, 8):
            m = next(islice(marks.finditer(text), n - 1, None), None)
            assert _nth_end(text, n) == (None if m is None else m.end()), (text, n)
