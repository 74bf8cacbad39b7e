"""Reading a message an upstream sent whose JSON is sound but whose text is not valid Unicode.

Servers send text cut at a UTF-16 index (a JavaScript ``text.slice(0, n)`` through an emoji leaves
half a surrogate pair, which ``JSON.stringify`` writes as ``"\\ud83d"``), or bytes that are not UTF-8
(a file's name or contents passed through). ``orjson`` refuses both, and the whole answer would be
lost: the caller would wait for its timeout. ``lenient_message``, called where ``orjson`` refused a
message (the common path pays nothing), reads it the way a lenient client does: invalid UTF-8 and
lone surrogates become U+FFFD, nothing else is relaxed (no ``NaN``, no infinite numbers; an integer
beyond 64 bits is read as a float, as ``orjson`` does).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["lenient_message"]

_SURROGATE = re.compile("[\ud800-\udfff]")  # left alone by json.loads only when not one of a pair
_INT_RANGE = (-(2**63), 2**64 - 1)  # what orjson writes back as an integer


def lenient_message(data: bytes) -> Any:
    """``data``, which ``orjson`` refused, read with broken Unicode replaced; ``None`` if it is not JSON even so."""
    try:
        value = json.loads(
            data.decode("utf-8", "replace"), parse_int=_int, parse_float=_float, parse_constant=_no_constant
        )
    except (ValueError, RecursionError):
        return None
    if _depth_over(value, 512):  # deeper than any answer needs (and within Python's recursion)
        return None
    return _whole(value)


def _int(text: str) -> int | float:
    number = int(text)
    return number if _INT_RANGE[0] <= number <= _INT_RANGE[1] else float(number)


def _float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"number is infinity when parsed as double: {text[:40]}")
    return number


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _depth_over(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _whole(value: Any) -> Any:
    """``value`` with every lone surrogate of its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_whole(k): _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value
