"""ISO 8601 instants in UTC, written and read: every timestamp a person reads or types.

Audit records, approvals, logs and the CLI write times with ``iso`` (``2026-07-05T12:00:00.123Z``) and
read them with ``parse_iso`` (a time without a zone is UTC; ``Z`` is accepted).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso", "iso_seconds", "parse_iso"]


def iso(epoch: float) -> str:
    """``epoch`` as ISO 8601 UTC with milliseconds, e.g. ``2026-07-05T12:00:00.123Z``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def iso_seconds(epoch: float, sep: str = "T") -> str:
    """``epoch`` in UTC to the second, e.g. ``2026-07-05 12:00:00Z`` with ``sep=" "`` (for tables)."""
    return datetime.fromtimestamp(epoch, UTC).strftime(f"%Y-%m-%d{sep}%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """The epoch time of ISO 8601 ``text``; no zone means UTC. ``ValueError`` when it is not such a time."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
