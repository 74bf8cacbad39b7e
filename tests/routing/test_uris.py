"""Which server owns a resource URI for the servers a grant reaches (``routing.uris``)."""

from __future__ import annotations

from portcullis.routing.uris import Ambiguous, UriOwners


def _owners() -> UriOwners:
    owners = UriOwners(["a", "b", "c"])
    owners.learn_resources("a", ["x://shared", "x://a/1"])
    owners.learn_resources("b", ["x://shared"])
    owners.learn_resources("c", [])
    owners.learn_templates("a", ["file:///{path}"])
    owners.learn_templates("b", ["file:///home/{path}"])
    owners.learn_templates("c", ["file:///home/{path}"])
    return owners


def test_a_listed_uri_belongs_to_its_lister_and_two_listers_are_ambiguous() -> None:
    owners = _owners()
    assert owners.owner("x://a/1", ["a", "b", "c"]) == "a"
    assert owners.owner("x://shared", ["a", "c"]) == "a"
    both = owners.owner("x://shared", ["a", "b"])
    assert isinstance(both, Ambiguous) and both.servers == ("a", "b") and "does not guess" in both.message()
    assert owners.owner("x://a/1", ["b", "c"]) is None  # not for a grant that does not reach 'a'


def test_templates_match_longest_prefix_first_and_a_tie_is_ambiguous() -> None:
    owners = _owners()
    assert owners.owner("file:///etc/hosts", ["a", "b", "c"]) == "a"
    assert owners.owner("file:///home/me/notes", ["a", "b"]) == "b"
    assert isinstance(owners.owner("file:///home/me/notes", ["a", "b", "c"]), Ambiguous)
    assert owners.owner("file:///home/me/notes", ["a"]) == "a"


def test_only_a_single_server_gateway_takes_uris_nobody_listed() -> None:
    assert _owners().owner("y://unlisted", ["a", "b", "c"]) is None
    assert UriOwners(["only"]).owner("y://unlisted", ["only"]) == "only"
    assert UriOwners(["only", "other"]).owner("y://unlisted", ["only"]) is None


def test_a_stale_server_keeps_its_uris_until_read_again() -> None:
    owners = _owners()
    assert owners.knows_all(["a", "b", "c"])
    owners.stale("a")
    assert not owners.knows_all(["a", "b"]) and owners.knows_all(["b", "c"])
    assert owners.owner("x://a/1", ["a"]) == "a"
    owners.learn_resources("a", ["x://a/2"])
    assert owners.knows_all(["a"]) and owners.owner("x://a/2", ["a", "b"]) == "a"
    assert owners.owner("x://a/1", ["a", "b"]) is None  # no longer listed
