"""Agent keys: random, stored hashed, found by their digest."""

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


def test_among_many_grants_each_key_finds_its_own_and_the_first_of_a_shared_one() -> None:
    keys = [new_key() for _ in range(1000)]
    grants = (
        GrantConfig("oauth-only", ""),  # takes OAuth callers only: no key finds it
        *(GrantConfig(f"g{i}", key_digest(k).upper() if i % 2 else key_digest(k)) for i, k in enumerate(keys)),
        GrantConfig("again", key_digest(keys[7])),
    )
    assert all(authenticate(grants, k) is grants[i + 1] for i, k in enumerate(keys))  # digests in either case
    assert authenticate(grants, keys[7]).name == "g7"  # type: ignore[union-attr]
    assert authenticate(grants, "pcu_" + "x" * 43) is None


def test_a_reloaded_set_of_grants_is_the_one_asked() -> None:
    key = new_key()
    before = (GrantConfig("old", key_digest(key)),)
    assert authenticate(before, key) is before[0]
    after = (GrantConfig("other", key_digest(new_key())),)  # the key was revoked by a reload
    assert authenticate(after, key) is None
    assert authenticate(list(before), key) is before[0]  # any iterable of grants, not only the config's tuple
