"""Text any audit backend can store, whatever an agent or an upstream put in it.

Two things in a Python ``str`` break a backend and, before this module, every record committed with
them: a NUL character (PostgreSQL's ``TEXT`` and ``JSONB`` refuse it) and a lone surrogate (not
encodable as UTF-8: SQLite, asyncpg and the JSON Lines writer all refuse it). Both can reach a record
from outside: a tool name, an argument, an upstream's error text.

So, on every backend alike: NUL is stored as ``␀`` (U+2400 SYMBOL FOR NULL) and a lone surrogate as
its ``\\udXXX`` escape. The same text reads the same from SQLite, PostgreSQL and JSON Lines.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NUL_SYMBOL", "plain_text", "storable", "storable_json"]

NUL_SYMBOL = "\u2400"
_MAX_DEPTH = 64


def storable(text: str) -> str:
    """``text`` with NUL shown as ``␀`` and lone surrogates escaped (the same object when it has neither)."""
    if "\x00" in text:
        text = text.replace("\x00", NUL_SYMBOL)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def storable_json(value: Any, _depth: int = 0) -> Any:
    """A copy of a JSON value with every string (keys too) made ``storable``."""
    if isinstance(value, str):
        return storable(value)
    if _depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {storable(str(k)): storable_json(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable_json(v, _depth + 1) for v in value]
    return value


def plain_text(text: str) -> str:
    """``text`` in printable ASCII (anything else as a backslash escape): the last resort for a record a
    backend refused as it was, and what an operator's terminal is shown (no control sequences)."""
    if text.isascii() and text.isprintable():
        return text
    return text.encode("unicode_escape").decode("ascii")
