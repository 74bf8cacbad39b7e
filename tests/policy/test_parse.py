"""Policy format and validation: every problem is reported with file, line and JSON path."""

from __future__ import annotations

import pytest

from portcullis.errors import ConfigError
from portcullis.policy import policy_from_text


def problems(text: str, file: str = "p.yaml") -> list[tuple[int | None, str, str]]:
    with pytest.raises(ConfigError) as info:
        policy_from_text(text, file)
    return [(p.line, p.path, p.message) for p in info.value.problems]


def test_every_problem_is_reported_with_line_and_path() -> None:
    text = """version: "1"
default: maybe
tools:
  s__a:
    action: explode
    colour: red
  s__b:
    limits:
      - {counter: c, window: fortnight, max: 0, scope: team}
    deny_if:
      - conditions: [{path: amount, op: gt, value: 5}]
      - conditions: [{path: args.x, op: like, value: 5}]
    require:
      - {path: args.y, op: in, value: 3}
      - {path: args.z, op: regex, value: "("}
"""
    found = problems(text)
    by_path = {path: (line, msg) for line, path, msg in found}
    assert by_path["$.default"][0] == 2
    assert by_path["$.tools.s__a.action"] == (5, by_path["$.tools.s__a.action"][1])
    assert "unknown key 'colour'" in by_path["$.tools.s__a.colour"][1]
    assert by_path["$.tools.s__a.colour"][0] == 6
    assert "fortnight" in by_path["$.tools.s__b.limits[0].window"][1]
    assert "positive" in by_path["$.tools.s__b.limits[0].max"][1]
    assert "scope" in by_path["$.tools.s__b.limits[0].scope"][1]
    assert "args.<argument>" in by_path["$.tools.s__b.deny_if[0].conditions[0].path"][1]
    assert "unknown operator" in by_path["$.tools.s__b.deny_if[1].conditions[0].op"][1]
    assert "list" in by_path["$.tools.s__b.require[0].value"][1]
    assert "regular expression" in by_path["$.tools.s__b.require[1].value"][1]
    assert all(line is not None for line, _, _ in found)
    assert len(found) == 10


def test_json_errors_carry_lines_too() -> None:
    text = '{\n  "version": "1",\n  "tools": {\n    "x": {"limits": [{"window": 60}]}\n  },\n  "extra": 1\n}\n'
    found = problems(text, "p.json")
    assert any(p[:2] == (6, "$.extra") for p in found)
    assert any(p[1] == "$.tools.x.limits[0]" and "max" in p[2] and p[0] == 4 for p in found)


def test_underscore_keys_and_why_are_ignored() -> None:
    model = policy_from_text('{"version": "1", "_comment": 1, "tools": {"a": {"_why": "read-only", "_x": 2}}}')
    assert [r.key for r in model.rules] == ["a"]


@pytest.mark.parametrize(
    ("window", "seconds", "aligned"),
    [
        ("second", 1, False),
        ("minute", 60, False),
        ("hour", 3600, False),
        ("day", 86400, True),
        (60, 60, False),
        (2.5, 2.5, False),
        ("90", 90, False),
        ("90s", 90, False),
    ],
)
def test_window_forms(window: object, seconds: float, aligned: bool) -> None:
    text = '{"tools": {"a": {"limits": [{"counter": "c", "max": 10, "window": %s}]}}}' % (
        f'"{window}"' if isinstance(window, str) else window
    )
    limit = policy_from_text(text).rules[0].limits[0]
    assert (limit.window, limit.aligned, limit.max, limit.scope) == (seconds, aligned, 10, "grant")


def test_rate_limit_shorthand() -> None:
    rule = policy_from_text('{"tools": {"a": {"rate_limit": "10/minute"}, "b": {"rate_limit": "5/60"}}}').rules
    assert (rule[0].limits[0].max, rule[0].limits[0].window) == (10, 60)
    assert (rule[1].limits[0].max, rule[1].limits[0].window) == (5, 60)
    assert "N/window" in problems('{"tools": {"a": {"rate_limit": "lots"}}}')[0][2]


def test_duplicate_selectors_and_deny_with_limits_are_errors() -> None:
    found = problems("""
tools:
  s1__a: {}
  s1__b: {action: deny, limits: [{counter: c, window: minute, max: 1}]}
servers:
  s1:
    tools:
      a: {}
hide: [x, x]
""")
    messages = " | ".join(m for _, _, m in found)
    assert "same tools as $.tools.s1__a" in messages
    assert "action 'deny'" in messages
    assert "already hidden" in messages


def test_top_level_shape_errors() -> None:
    assert "map at the top level" in problems("[1, 2]")[0][2]
    assert "empty" in problems("")[0][2]
    assert "version" in problems('{"version": "2"}')[0][2]
    assert "not a server name" in problems('{"servers": {"a__b": {}}}')[0][2]
    assert "JSON Schema" in problems('{"tools": {"a": {"args": {"type": "nope"}}}}')[0][2]


def test_syntax_error_has_a_line() -> None:
    found = problems('{\n "tools": {\n  "a": [}\n}')
    assert found[0][0] == 3


def test_a_shorthand_that_is_not_the_format_says_how_to_write_it() -> None:
    found = problems("tools:\n  s__a: deny\n  s__b:\n    deny_if: [{path: args.x, op: gt, value: 5}]\n")
    assert found == [
        (2, "$.tools.s__a", "must be a map: write {action: deny} (or {} to allow the tool)"),
        (
            4,
            "$.tools.s__b.deny_if[0]",
            "a deny_if entry holds its conditions: write {conditions: [{path, op, value}], on_deny}",
        ),
    ]
