"""The literal-text prefilter of many wildcard-led patterns gives exactly the answers of one combined expression,
and the whole matcher (exact names in dicts, combined expressions, the prefilter) those of a linear scan."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from portcullis.policy.glob import Selector, glob_regex
from portcullis.policy.matcher import _INDEX_FROM, Matcher, Pattern, _Combined, _combined, _Indexed, _longest_literal

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


def _scan(matcher: Matcher[int], server: str, tool: str) -> int | None:
    """The plain linear scan: the first pattern, in the matcher's order, whose globs match the name."""
    for pos, p in enumerate(matcher.patterns):
        s = p.selector
        if s.server is not None and not fnmatchcase(server, s.server.replace("[", "[[]")):
            continue
        if fnmatchcase(tool, s.tool.replace("[", "[[]")):
            return pos
    return None


_CHARS = "ab_.\\\n["  # with characters the expressions must escape, and a newline
tool_globs = st.text(alphabet=_CHARS + "*?", min_size=0, max_size=7)
led_globs = st.builds(lambda head, rest: head + rest, st.sampled_from(["*", "?", "*a", "?b"]), tool_globs)
selectors = st.builds(
    Selector,
    st.sampled_from([None, "s1", "s2", "s*", "*", "s?", "?2"]),
    st.one_of(tool_globs, led_globs),
)
pattern_lists = st.lists(st.tuples(selectors, st.integers(0, 2)), min_size=1, max_size=40)
calls = st.lists(
    st.tuples(st.sampled_from(["s1", "s2", "sx", "t"]), st.text(alphabet=_CHARS, max_size=12)), max_size=25
)


def _instance(glob: str, fill: str) -> str:
    """A name the glob matches: each ``*`` and ``?`` filled from ``fill``."""
    return "".join(fill[:2] if c == "*" else (fill[:1] or "a") if c == "?" else c for c in glob)


@settings(max_examples=300, deadline=None)
@given(pattern_lists, calls, st.data())
def test_the_matcher_finds_what_a_linear_scan_finds(
    chosen: list[tuple[Selector, int]], names: list[tuple[str, str]], data: st.DataObject
) -> None:
    matcher = Matcher([Pattern(selector, category, order, order) for order, (selector, category) in enumerate(chosen)])
    servers = st.sampled_from(["s1", "s2", "sx", "t"])
    named = st.builds(_instance, st.sampled_from([s.tool for s, _ in chosen]), st.text(alphabet=_CHARS, max_size=3))
    names += data.draw(st.lists(st.tuples(servers, named), max_size=15))  # names the patterns match, exact ones too
    for server, tool in names:
        assert matcher.position(server, tool) == _scan(matcher, server, tool), (server, tool)


filed_globs = st.builds(  # a literal run long enough to be filed under one of its pieces
    lambda head, literal, tail: head + literal + tail,
    st.sampled_from(["*", "?", "*a", "?*"]),
    st.text(alphabet="ab_.", min_size=3, max_size=6),
    st.sampled_from(["", "*", "?", "*b", "a*"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(filed_globs, filed_globs, led_globs), min_size=_INDEX_FROM, max_size=60), st.data())
def test_many_wildcard_led_patterns_agree_with_a_linear_scan(globs_: list[str], data: st.DataObject) -> None:
    matcher = Matcher([Pattern(Selector(None, g), 2, order, order) for order, g in enumerate(globs_)])
    assert isinstance(matcher._any_server, _Indexed)
    pieces = st.builds(_instance, st.sampled_from(globs_), st.text(alphabet=_CHARS, max_size=3))
    names = data.draw(st.lists(st.lists(pieces, min_size=1, max_size=3).map("".join), max_size=20))  # several literals
    for tool in names:
        assert matcher.position("s1", tool) == _scan(matcher, "s1", tool), tool
