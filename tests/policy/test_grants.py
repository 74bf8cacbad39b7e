"""Agent keys: random, stored hashed, matched in constant time."""

from __future__ import annotations

import hashlib

from portcullis.config.model import GrantConfig
from portcullis.policy import authenticate, grant_reaches, key_digest, new_key


def test_new_keys_are_random_and_hash_to_the_stored_digest() -> None:
    a, b = new_key(), new_key()
    assert a != b and a.startswith("pcu_") and len(a) > 40
    assert key_digest(a) == hashlib.sha256(a.encode()).hexdigest()


def test_authenticate_finds_the_grant_of_a_key() -> None:
    ka, kb = new_key(), new_key()
    grants = (GrantConfig("alice", key_digest(ka), ("git",)), GrantConfig("bob", key_digest(kb)))
    assert authenticate(grants, ka) is grants[0]
    assert authenticate(grants, kb) is grants[1]
    assert authenticate(grants, "pcu_wrong") is None
    assert authenticate(grants, "") is None and authenticate(grants, None) is None
    assert authenticate(grants, key_digest(ka)) is None  # the digest itself is not a key


def test_grant_reaches() -> None:
    assert grant_reaches(GrantConfig("a", "0" * 64, ("git",)), "git")
    assert not grant_reaches(GrantConfig("a", "0" * 64, ("git",)), "time")
    assert grant_reaches(GrantConfig("a", "0" * 64), "anything")
