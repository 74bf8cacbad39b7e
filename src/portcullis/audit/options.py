"""Audit settings: where the trail goes (``audit:`` URL) and how it is kept (``audit_options:``).

``audit_options`` (proposed top-level key of ``portcullis.yaml``; until the loader accepts it, the
defaults apply)::

    audit_options:
      redact: ["*account_number*", "iban"]   # key globs added to the built-in secret list
      retention_days: 90                     # prune older records (hourly); days, or a duration (12h, 90d)
      sync: normal                           # normal (survives kill -9) | full (fsync: survives power loss)
      table: portcullis_audit                # PostgreSQL table name
      spool: .portcullis/audit-spool         # PostgreSQL: where records wait while the database is down
                                             # (relative to the config's folder; false: no spool, calls fail)
      commit_timeout: 5s                     # PostgreSQL: a commit slower than this goes to the spool
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portcullis._plumbing.durations import parse_duration
from portcullis._plumbing.sections import unknown_keys
from portcullis.config.model import GatewayConfig
from portcullis.errors import ConfigError, Problem

__all__ = ["AuditOptions", "audit_options", "parse_audit_options"]

_KEYS = ("redact", "retention_days", "sync", "table", "spool", "commit_timeout")
DEFAULT_SPOOL = ".portcullis/audit-spool"


@dataclass(frozen=True)
class AuditOptions:
    redact: tuple[str, ...] = ()
    retention_days: float | None = None
    sync: str = "normal"
    table: str = "portcullis_audit"
    spool: str | None = DEFAULT_SPOOL
    commit_timeout: float = 5.0


def parse_audit_options(
    raw: Mapping[str, Any] | None, file: str = "<config>", base: str = "$.audit_options"
) -> AuditOptions:
    """Validate the ``audit_options`` map; every problem is reported at once as a ``ConfigError``."""
    if raw is None:
        return AuditOptions()
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        raise ConfigError([Problem(file, base, "must be a map")])
    problems.extend(Problem(file, path, message) for path, message in unknown_keys(raw, _KEYS, base))
    redact = raw.get("redact", [])
    if not isinstance(redact, list) or not all(isinstance(r, str) and r for r in redact):
        problems.append(Problem(file, f"{base}.redact", "must be a list of key patterns such as '*iban*'"))
        redact = []
    retention = _retention_days(raw.get("retention_days"), f"{base}.retention_days", file, problems)
    sync = raw.get("sync", "normal")
    if sync not in ("normal", "full"):
        problems.append(Problem(file, f"{base}.sync", "must be 'normal' or 'full'"))
        sync = "normal"
    table = raw.get("table", "portcullis_audit")
    if not isinstance(table, str) or not table.isidentifier() or table.lower() != table:
        problems.append(Problem(file, f"{base}.table", "must be a lower-case SQL name such as portcullis_audit"))
        table = "portcullis_audit"
    spool = raw.get("spool", DEFAULT_SPOOL)
    if spool is False:
        spool = None
    elif not isinstance(spool, str) or not spool.strip():
        problems.append(Problem(file, f"{base}.spool", "must be a folder path, or false for no spool"))
        spool = DEFAULT_SPOOL
    commit_timeout = _commit_timeout(raw.get("commit_timeout", 5.0), f"{base}.commit_timeout", file, problems)
    if problems:
        raise ConfigError(problems)
    return AuditOptions(tuple(redact), retention, sync, table, spool, commit_timeout)


def _commit_timeout(value: Any, path: str, file: str, problems: list[Problem]) -> float:
    """``commit_timeout``: seconds (``5``) or a duration (``500ms``, ``5s``)."""
    try:
        seconds = (
            float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else parse_duration(value)
        )
    except (ValueError, TypeError):
        seconds = -1.0
    if not math.isfinite(seconds) or seconds <= 0:
        problems.append(Problem(file, path, f"must be a duration longer than 0, such as 5s or 500ms; got {value!r}"))
        return 5.0
    return seconds


def _retention_days(value: Any, path: str, file: str, problems: list[Problem]) -> float | None:
    """``retention_days``: a number of days (``90``), or a duration such as ``90d`` or ``12h``."""
    if value is None:
        return None
    bare = isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value) is not None
    if bare or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        days = float(value)
    else:
        try:
            days = parse_duration(value) / 86400.0
        except ValueError:
            problems.append(
                Problem(
                    file, path, f"not a duration: {value!r} (use a number of days, or a duration such as 12h, 30d, 1w)"
                )
            )
            return None
    if not math.isfinite(days) or days <= 0:
        problems.append(Problem(file, path, "must be longer than 0 (a number of days, or a duration such as 90d)"))
        return None
    return days


def audit_options(config: GatewayConfig) -> AuditOptions:
    """The audit options of a loaded config (its ``audit_options`` map, when the model has one)."""
    raw = getattr(config, "audit_options", None)
    return parse_audit_options(raw or None, str(config.path or "<config>"))
