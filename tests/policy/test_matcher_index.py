"""The literal-text prefilter of many wildcard-led patterns gives exactly the answers of one combined expression."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from portcullis.policy.glob import glob_regex
from portcullis.policy.matcher import _INDEX_FROM, _Combined, _combined, _Indexed, _longest_literal

_ALPHABET = "ab_c*?"
globs = st.text(alphabet=_ALPHABET, min_size=1, max_size=8)
names = st.text(alphabet="ab_cd", min_size=0, max_size=12)


def _alternatives(patterns: list[str]) -> list[tuple[int, str, str]]:
    return [(pos, glob_regex(p), _longest_literal(p)) for pos, p in enumerate(patterns)]


@settings(max_examples=300, deadline=None)
@given(st.lists(globs, min_size=1, max_size=30), st.lists(names, min_size=1, max_size=20))
def test_index_and_combined_agree(patterns: list[str], subjects: list[str]) -> None:
    combined = _Combined(_alternatives(patterns))
    indexed = _Indexed(_alternatives(patterns))
    for subject in subjects:
        assert indexed.first(subject) == combined.first(subject)


def test_many_wildcard_led_patterns_use_the_index() -> None:
    patterns = [f"*verb{i}_thing*" for i in range(_INDEX_FROM)]
    group = _combined(_alternatives(patterns))
    assert isinstance(group, _Indexed)
    assert group.first("get_verb3_thing_x") == 3
    assert group.first("nothing") is None
    assert isinstance(_combined(_alternatives([f"verb{i}_*" for i in range(20)])), _Combined)


def test_the_lowest_position_wins_across_prefixed_and_led_patterns() -> None:
    patterns = ["get_*", *[f"*x{i}*" for i in range(_INDEX_FROM)], "*"]
    group = _combined(_alternatives(patterns))
    assert group.first("get_x1") == 0
    assert group.first("put_x1") == 2
    assert group.first("zzz") == len(patterns) - 1


def test_longest_literal() -> None:
    assert _longest_literal("*get_thing*") == "get_thing"
    assert _longest_literal("a?bcd*e") == "bcd"
    assert _longest_literal("srv*", "*_delete") == "_delete"
    assert _longest_literal("*") == ""
