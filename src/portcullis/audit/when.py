"""Read and write the instants people type and read (``--since 2h``, ``2026-07-05T12:00``); shown in UTC.

Durations (``45s``, ``10m``, ``2h``, ``7d``) follow the one grammar of ``portcullis.durations``.
Used by ``portcullis audit --since 2h --until 2026-07-05T12:00`` and every record's timestamp.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from portcullis.durations import is_duration_text, parse_duration

__all__ = ["iso", "parse_instant"]


def parse_instant(value: str, now: float) -> float:
    """An epoch time from ``value``: a duration back from ``now`` (``2h``), an ISO 8601 time, or epoch seconds.

    An ISO time without a zone is taken as UTC.
    """
    text = value.strip()
    if is_duration_text(text) and not re.fullmatch(r"\d{9,}(\.\d+)?", text):
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
