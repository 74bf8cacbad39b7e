"""What every section of the config parser checks the same way: a value's type, unknown keys, durations."""

from __future__ import annotations

from typing import Any

from portcullis._plumbing.durations import GRAMMAR, parse_duration
from portcullis._plumbing.sections import unknown_keys
from portcullis.config.source import Document
from portcullis.errors import Problem

__all__ = ["duration_setting", "expect", "unknown"]


def expect(
    doc: Document, path: str, value: Any, kind: type | tuple[type, ...], what: str, problems: list[Problem]
) -> bool:
    """Whether ``value`` is of ``kind``; when not, a problem saying it must be ``what``."""
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        problems.append(doc.problem(path, f"must be {what}, got {value!r}"))
        return False
    if not isinstance(value, kind):
        problems.append(doc.problem(path, f"must be {what}, got {type(value).__name__} {value!r}"))
        return False
    return True


def duration_setting(
    doc: Document, path: str, value: Any, default: float, problems: list[Problem], *, allow_zero: bool = False
) -> float:
    """A setting in the duration grammar (``30s``, ``5m``, ``1h``, ``1d``, seconds); ``default`` when unset."""
    if value is None:
        return default
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        problems.append(doc.problem(path, str(exc)))
        return default
    if seconds == 0 and not allow_zero:
        problems.append(doc.problem(path, f"must be longer than 0 ({GRAMMAR})"))
        return default
    return seconds


def unknown(doc: Document, path: str, data: dict[str, Any], allowed: set[str], problems: list[Problem]) -> None:
    """A problem for each key of ``data`` not in ``allowed`` (with the closest allowed one)."""
    problems.extend(doc.problem(p, message) for p, message in unknown_keys(data, sorted(allowed), path))
