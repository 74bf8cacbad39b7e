"""The checks every section of a config repeats: the JSON path of a key, and keys nobody knows.

Each section (``approvals``, ``audit_options``, ``catalog``, ``health``, ``logging``, a server, a
policy, an admin token) refuses a key it does not know, with the same message naming the closest known
key and all of them, so a typo is an error and not a silently ignored setting. Findings are
``(JSON path, message)`` pairs; the caller turns them into its own problems (with the file and the
line). ``is_whole_number`` is the check of every count a section takes (``true`` is not 1, ``2.0`` is not 2).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

__all__ = ["Finding", "is_whole_number", "join_path", "unknown_keys"]

Finding = tuple[str, str]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def join_path(base: str, key: str | int) -> str:
    """``$.a`` + ``b`` → ``$.a.b``; ``$.a`` + ``0`` → ``$.a[0]``; keys that are not identifiers are quoted."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    if _IDENTIFIER.fullmatch(key):
        return f"{base}.{key}"
    return f"{base}[{key!r}]"


def unknown_keys(
    data: Mapping[Any, Any], known: Iterable[str], path: str, *, private_ok: bool = False
) -> list[Finding]:
    """A finding for each key of ``data`` not in ``known`` (listed in the order given), at ``path.key``.

    With ``private_ok``, keys starting with ``_`` (comments, ``_why`` notes) are allowed too.
    """
    names = tuple(known)
    listing = ", ".join(names)
    return [
        (join_path(path, str(key)), f"unknown key '{key}'{_closest(str(key), names)} (known keys: {listing})")
        for key in data
        if key not in names and not (private_ok and str(key).startswith("_"))
    ]


def _closest(key: str, names: tuple[str, ...]) -> str:
    """`` — did you mean 'servers'?`` for a misspelt key (``servrs``), or nothing when none is close."""
    close = difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.75)
    return f" — did you mean '{close[0]}'?" if close else ""


def is_whole_number(value: object, least: int = 0) -> TypeGuard[int]:
    """Whether ``value`` is an ``int`` of at least ``least``; a bool is not a number here (YAML ``yes``)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least
