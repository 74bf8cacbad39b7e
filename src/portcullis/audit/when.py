"""Read and write the times people type and read: durations (``45s``, ``10m``, ``2h``, ``7d``) and instants.

Used by the approval settings (``timeout: 45s``), ``portcullis approvals approve --for 1h`` and
``portcullis audit --since 2h --until 2026-07-05T12:00``. Instants are shown in UTC, ISO 8601.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["iso", "parse_duration", "parse_instant"]

_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)?\s*$", re.IGNORECASE)


def parse_duration(value: str | float | int) -> float:
    """Seconds in ``value``: a number of seconds, or text such as ``45s``, ``10m``, ``1.5h``, ``7d``.

    Raises ``ValueError`` with a message for people when the text is not a duration.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = _DURATION_RE.match(value)
        if m is None:
            raise ValueError(f"not a duration: {value!r} (use e.g. 45s, 10m, 2h, 7d)")
        seconds = float(m.group(1)) * _UNITS[(m.group(2) or "s").lower()]
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {value!r}")
    return seconds


def parse_instant(value: str, now: float) -> float:
    """An epoch time from ``value``: a duration back from ``now`` (``2h``), an ISO 8601 time, or epoch seconds.

    An ISO time without a zone is taken as UTC.
    """
    text = value.strip()
    if _DURATION_RE.match(text) and not re.fullmatch(r"\d{9,}(\.\d+)?", text):
        return now - parse_duration(text)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a time: {value!r} (use e.g. 2h for two hours ago, or 2026-07-05T12:00:00Z)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def iso(epoch: float) -> str:
    """``epoch`` as ISO 8601 UTC with milliseconds, e.g. ``2026-07-05T12:00:00.123Z``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
