"""The checks every config section repeats: JSON paths and unknown keys."""

from __future__ import annotations

from portcullis._plumbing.sections import is_whole_number, join_path, unknown_keys


def test_join_path() -> None:
    assert join_path("$", "servers") == "$.servers"
    assert join_path("$.servers", "git-hub") == "$.servers.git-hub"
    assert join_path("$.tools", 3) == "$.tools[3]"
    assert join_path("$.servers", "my server") == "$.servers['my server']"


def test_unknown_keys_names_the_key_and_the_known_ones_in_order() -> None:
    found = unknown_keys({"format": "json", "colour": "red", "level": "info"}, ("format", "level"), "$.logging")
    assert found == [("$.logging.colour", "unknown key 'colour' (known keys: format, level)")]


def test_a_misspelt_key_is_given_the_closest_known_one() -> None:
    found = unknown_keys({"servrs": {}, "Policy": "p.json", "zzz": 1}, ("servers", "policy", "store"), "$")
    assert found == [
        ("$.servrs", "unknown key 'servrs' — did you mean 'servers'? (known keys: servers, policy, store)"),
        ("$.Policy", "unknown key 'Policy' — did you mean 'policy'? (known keys: servers, policy, store)"),
        ("$.zzz", "unknown key 'zzz' (known keys: servers, policy, store)"),
    ]


def test_known_keys_give_nothing() -> None:
    assert unknown_keys({}, ("a",), "$") == []
    assert unknown_keys({"a": 1}, iter(["a", "b"]), "$") == []


def test_private_keys_only_when_allowed() -> None:
    data = {"_why": "a note", "x": 1}
    assert [p for p, _ in unknown_keys(data, ("y",), "$.t")] == ["$.t._why", "$.t.x"]
    assert [p for p, _ in unknown_keys(data, ("y",), "$.t", private_ok=True)] == ["$.t.x"]


def test_whole_numbers() -> None:
    assert is_whole_number(0) and is_whole_number(5, 1) and is_whole_number(1024, 1024)
    assert not is_whole_number(-1)
    assert not is_whole_number(0, 1)
    assert not is_whole_number(True) and not is_whole_number(False)  # YAML yes/no are not counts
    assert not is_whole_number(2.0) and not is_whole_number("2") and not is_whole_number(None)
