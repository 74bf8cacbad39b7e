"""The one duration grammar of every setting that takes a length of time.

Policy windows (``window: minute``, ``rate_limit: 10/5m``), server ``timeout``, the approval settings
(``timeout``, ``ttl``, ``deny_hold``, …), the catalogue's refresh intervals, audit retention and the
CLI's ``--for`` / ``--since`` all read durations here, so ``30s``, ``5m``, ``1h``, ``1d`` and the
names ``second|minute|hour|day`` mean the same everywhere:

- a number with a unit: ``30s``, ``5m``, ``1.5h``, ``1d`` (also ``ms``, ``w`` and spelled-out units
  such as ``10 minutes``);
- a unit name alone, meaning one of it: ``second``, ``minute``, ``hour``, ``day`` (``week``);
- a bare number (or numeric text): seconds, as before.

Anything else is a ``ValueError`` whose message names the value and shows the grammar.
"""

from __future__ import annotations

import math
import re
from typing import Final

__all__ = ["GRAMMAR", "format_duration", "is_duration_text", "parse_duration"]

GRAMMAR: Final = "use 30s, 5m, 1h, 1d, second, minute, hour, day, or a number of seconds"

_UNITS: Final = {
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
    "week": 604800.0,
    "weeks": 604800.0,
}
_TEXT: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)?\s*([a-z]+)?\s*$", re.IGNORECASE)


def _match(text: str) -> float | None:
    m = _TEXT.match(text)
    if m is None or (m.group(1) is None and m.group(2) is None):
        return None
    unit = (m.group(2) or "s").lower()
    factor = _UNITS.get(unit)
    if factor is None:
        return None
    if m.group(1) is None:  # a unit name alone: one of it ("minute"), but not "m" or "s"
        return factor if len(unit) > 2 else None
    return float(m.group(1)) * factor


def is_duration_text(text: str) -> bool:
    """Whether ``text`` is written in the duration grammar."""
    return _match(text) is not None


def parse_duration(value: object) -> float:
    """Seconds in ``value`` (a duration in the grammar above); raises ``ValueError`` saying the grammar.

    Never returns a negative, infinite or NaN number.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r} ({GRAMMAR})")
    if isinstance(value, (int, float)):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError(f"not a duration: {value!r} ({GRAMMAR})")
    elif isinstance(value, str):
        found = _match(value)
        if found is None:
            raise ValueError(f"not a duration: {value!r} ({GRAMMAR})")
        seconds = found
    else:
        raise ValueError(f"not a duration: {value!r} ({GRAMMAR})")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {value!r} ({GRAMMAR})")
    return seconds


def format_duration(seconds: float) -> str:
    """``300`` → ``5m``, ``86400`` → ``1d``, ``90`` → ``90s``: the shortest exact way to write it."""
    for suffix, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{suffix}"
    return f"{seconds:g}s"
