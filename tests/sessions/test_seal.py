"""Sealed legacy session ids (``sessions.seal``): what a replica that never saw ``initialize`` can read back."""

from __future__ import annotations

import base64

import pytest

from portcullis.config.load import config_from_text
from portcullis.errors import ConfigError
from portcullis.sessions.seal import SealedSession, SessionSeal

SECRET = "x" * 40
STATE = SealedSession("a" * 64, "alice", "2025-11-25", {"sampling": {}}, {"name": "cli", "version": "1"})


def test_an_id_sealed_by_one_replica_opens_on_another_with_the_same_secret() -> None:
    issued = SessionSeal(SECRET).seal(STATE)
    opened = SessionSeal(SECRET).unseal(issued)
    assert opened is not None
    assert (opened.owner, opened.grant, opened.protocol_version) == ("a" * 64, "alice", "2025-11-25")
    assert opened.capabilities == {"sampling": {}}
    assert opened.client_info == {"name": "cli", "version": "1"}
    assert opened.issued > 0
    assert issued.isascii() and all(0x21 <= ord(c) <= 0x7E for c in issued)  # a valid Mcp-Session-Id


def test_ids_are_unique_and_do_not_show_what_they_hold() -> None:
    seal = SessionSeal(SECRET)
    ids = {seal.seal(STATE) for _ in range(50)}
    assert len(ids) == 50
    assert all("alice" not in i and "a" * 64 not in i for i in ids)


def test_forged_altered_and_foreign_ids_do_not_open() -> None:
    seal = SessionSeal(SECRET)
    issued = seal.seal(STATE)
    raw = bytearray(base64.urlsafe_b64decode(issued[3:] + "=" * (-len(issued[3:]) % 4)))
    raw[-1] ^= 1
    altered = "s1." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert seal.unseal(altered) is None
    assert SessionSeal("y" * 40).unseal(issued) is None  # another fleet's secret
    assert SessionSeal().unseal(issued) is None  # a process without the shared secret
    for junk in ("", "s1.", "s1.!!!", "0123456789abcdef0123456789abcdef", "s1." + "A" * 40):
        assert seal.unseal(junk) is None


def test_without_a_secret_each_process_seals_under_its_own() -> None:
    one, two = SessionSeal(), SessionSeal()
    assert one.shared is False
    assert one.unseal(one.seal(STATE)) is not None
    assert two.unseal(one.seal(STATE)) is None


def test_the_config_takes_a_session_secret_of_32_characters_or_more_and_never_shows_it() -> None:
    config = config_from_text(f"servers: {{}}\nsession_secret: {SECRET}\n")
    assert config.session_secret == SECRET
    assert SECRET not in repr(config)
    assert config_from_text("servers: {}\n").session_secret is None
    with pytest.raises(ConfigError, match="session_secret"):
        config_from_text("servers: {}\nsession_secret: short\n")
