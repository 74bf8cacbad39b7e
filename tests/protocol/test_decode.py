"""What an upstream sends that orjson refuses is read leniently where only its Unicode is broken."""

from __future__ import annotations

import orjson
import pytest

from portcullis.protocol.decode import lenient_message


def test_valid_json_is_read_as_orjson_reads_it() -> None:
    data = b'{"id": 1, "result": {"n": 18446744073709551616, "t": "\\ud83d\\ude00", "f": 1.5e300}}'
    assert lenient_message(data) == orjson.loads(data)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b'{"t": "cut \\ud83d"}', "cut \ufffd"),  # JSON.stringify of a string cut through an emoji
        (b'{"t": "\\udc00 low first"}', "\ufffd low first"),
        (b'{"t": "bytes \xff\xfe"}', "bytes \ufffd\ufffd"),
        (b'{"t": "keys too", "\\ud800": 1}', "keys too"),
    ],
)
def test_broken_unicode_becomes_the_replacement_character_and_the_message_stays(data: bytes, text: str) -> None:
    message = lenient_message(data)
    assert message["t"] == text
    orjson.dumps(message)  # what the gateway sends on must serialise
    assert all(not ("\ud800" <= ch <= "\udfff") for key in message for ch in key)


def test_numbers_keep_orjsons_rules_on_the_lenient_path() -> None:
    message = lenient_message(b'{"t": "\\ud800", "big": 123456789012345678901234567890, "n": 5}')
    assert message["big"] == 1.2345678901234568e29 and message["n"] == 5
    orjson.dumps(message)


@pytest.mark.parametrize(
    "data",
    [b"not json", b'{"t": "\\ud800", "n": NaN}', b'{"t": "\\ud800", "n": 1e999}', b'{"t": "\\ud800"', b""],
)
def test_what_is_not_json_even_leniently_is_refused(data: bytes) -> None:
    assert lenient_message(data) is None


def test_nesting_beyond_what_any_answer_needs_is_refused_on_the_lenient_path() -> None:
    deep = b'{"t": "\\ud800", "d": ' + b"[" * 600 + b"]" * 600 + b"}"
    assert lenient_message(deep) is None
