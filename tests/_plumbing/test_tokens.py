"""HMAC-SHA256 signatures and unpadded base64url, the parts of every signed token."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from portcullis._plumbing.tokens import b64decode, b64encode, find_by_digest, seal, sha256_hex, sign, unseal, verify

KEY = b"k" * 32


def test_sign_is_hmac_sha256_cut_to_size() -> None:
    full = hmac.new(KEY, b"data", hashlib.sha256).digest()
    assert sign(KEY, b"data") == full
    assert sign(KEY, b"data", 12) == full[:12]


def test_verify_accepts_only_the_right_tag() -> None:
    assert verify(KEY, b"data", sign(KEY, b"data"))
    assert verify(KEY, b"data", sign(KEY, b"data", 16), 16)
    assert not verify(KEY, b"data!", sign(KEY, b"data"))
    assert not verify(b"other" * 8, b"data", sign(KEY, b"data"))
    assert not verify(KEY, b"data", sign(KEY, b"data")[:16])


@pytest.mark.parametrize("data", [b"", b"a", b"ab", b"abc", bytes(range(256))])
def test_b64_has_no_padding_and_round_trips(data: bytes) -> None:
    text = b64encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64decode(text) == data


def test_b64decode_refuses_what_is_not_base64() -> None:
    with pytest.raises(ValueError):
        b64decode("a")  # one character cannot be base64


def test_seal_and_unseal() -> None:
    token = seal(KEY, b'["tools/list",5]', 12)
    assert unseal(KEY, token, 12) == b'["tools/list",5]'
    assert unseal(b"x" * 32, token, 12) is None  # another key
    raw = bytearray(b64decode(token))
    raw[-1] ^= 1
    assert unseal(KEY, b64encode(bytes(raw)), 12) is None  # a changed body
    assert unseal(KEY, "", 12) is None
    assert unseal(KEY, "a", 12) is None
    assert unseal(KEY, "é", 12) is None


def test_sha256_hex_is_what_the_config_stores() -> None:
    assert sha256_hex("pk_secret") == hashlib.sha256(b"pk_secret").hexdigest()
    assert sha256_hex("é") == hashlib.sha256("é".encode()).hexdigest()


def test_find_by_digest_finds_the_first_holder_or_none() -> None:
    holders = [("a", sha256_hex("one")), ("b", sha256_hex("two")), ("c", sha256_hex("two"))]
    assert find_by_digest(holders, sha256_hex("two"), lambda h: h[1]) == ("b", sha256_hex("two"))
    assert find_by_digest(holders, sha256_hex("three"), lambda h: h[1]) is None
    assert find_by_digest([], sha256_hex("one"), lambda h: h) is None
    seen: list[str] = []

    def stored(holder: tuple[str, str]) -> str:
        seen.append(holder[0])
        return holder[1]

    find_by_digest(holders, sha256_hex("one"), stored)
    assert seen == ["a", "b", "c"]  # every digest compared, even after the match
