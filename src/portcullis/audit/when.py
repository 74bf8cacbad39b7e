"""Read the instants people type (``--since 2h``, ``2026-07-05T12:00``): a duration back from now, or a time.

Durations (``45s``, ``10m``, ``2h``, ``7d``) follow the one grammar of ``_plumbing.durations``, times are
ISO 8601 (``_plumbing.isotime``, which also writes every record's timestamp). Used by
``portcullis audit --since 2h --until 2026-07-05T12:00``.
"""

from __future__ import annotations

import re

from portcullis._plumbing.durations import is_duration_text, parse_duration
from portcullis._plumbing.isotime import parse_iso

__all__ = ["parse_instant"]


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
        return parse_iso(text)
    except ValueError:
        raise ValueError(f"not a time: {value!r} (use e.g. 2h for two hours ago, or 2026-07-05T12:00:00Z)") from None
