"""The audit trail: one record for every ``tools/call`` — who, what, the decision and how it ended.

Backends, chosen by the ``audit:`` URL: ``sqlite:///portcullis.db`` (default, WAL), ``postgresql://…``
(asyncpg) and ``jsonl:///path``. ``AuditLog.write`` returns once the record is durable, committing the
records of concurrent calls together. Arguments (and credential-looking text in reasons) are redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from portcullis._plumbing.store_url import safe_url, url_path
from portcullis.audit.log import AuditLog
from portcullis.audit.options import AuditOptions, audit_options, parse_audit_options
from portcullis.audit.query import AuditFilter
from portcullis.audit.record import DECISIONS, OUTCOMES, AuditRecord
from portcullis.audit.redact import REDACTED, Redactor
from portcullis.backends import require_backend
from portcullis.errors import ConfigError, Problem, StoreUnavailable

__all__ = [
    "DECISIONS",
    "OUTCOMES",
    "REDACTED",
    "AuditFilter",
    "AuditLog",
    "AuditOptions",
    "AuditRecord",
    "Redactor",
    "audit_log",
    "audit_options",
    "open_audit",
    "open_audit_log",
    "parse_audit_options",
]


def audit_log(
    url: str,
    redact: Sequence[str] = (),
    *,
    base_dir: Path | None = None,
    retention_days: float | None = None,
    sync: str = "normal",
    table: str = "portcullis_audit",
    max_batch: int = 1000,
    spool: str | None = None,
    commit_timeout: float = 5.0,
) -> AuditLog:
    """The audit trail at ``url``, built but not open (``open_audit_log`` opens it); ``redact`` adds key
    globs to the secret list. ``ConfigError`` for a URL of no known kind.

    Relative file paths resolve against ``base_dir`` (the config's folder). With ``retention_days``,
    records older than that are pruned when it opens and every hour while it is open. With ``spool`` (a
    folder, relative to ``base_dir``), a PostgreSQL trail that is down or slower than ``commit_timeout``
    keeps the gateway answering: records wait in the spool and are replayed in order.
    """
    # Backends are imported when chosen: asyncpg and friends cost start-up time for every CLI command.
    redactor = Redactor(redact)
    if url.startswith("sqlite:///"):
        from portcullis.audit.sqlite import SqliteAuditLog

        path = url_path(url, "sqlite", base_dir)
        return SqliteAuditLog(path, redactor, sync=sync, retention_days=retention_days, max_batch=max_batch)
    if url.startswith("jsonl:///"):
        from portcullis.audit.jsonl import JsonlAuditLog

        path = url_path(url, "jsonl", base_dir)
        return JsonlAuditLog(path, redactor, sync=sync, retention_days=retention_days, max_batch=max_batch)
    if url.startswith(("postgresql://", "postgres://")):
        require_backend(url, "$.audit")
        from portcullis.audit.postgres import PostgresAuditLog

        return PostgresAuditLog(
            url,
            redactor,
            table=table,
            retention_days=retention_days,
            max_batch=max_batch,
            spool=None if spool is None else _spool_folder(spool, base_dir, table),
            commit_timeout=commit_timeout,
        )
    raise ConfigError([Problem("<config>", "$.audit", "must be 'sqlite:///PATH', 'postgresql://…' or 'jsonl:///PATH'")])


async def open_audit_log(log: AuditLog, url: str, base_dir: Path | None = None) -> AuditLog:
    """Open ``log`` (built by ``audit_log`` from ``url``) and start its pruning; ``StoreUnavailable``,
    naming the trail and what to do, when it cannot be opened."""
    try:
        await log.open()
    except (ConfigError, StoreUnavailable):
        raise
    except Exception as exc:  # the driver's own error: say which trail, and what to do
        raise _unreachable(url, exc, base_dir) from None
    log.start_retention()
    return log


async def open_audit(
    url: str,
    redact: Sequence[str] = (),
    *,
    base_dir: Path | None = None,
    retention_days: float | None = None,
    sync: str = "normal",
    table: str = "portcullis_audit",
    max_batch: int = 1000,
    spool: str | None = None,
    commit_timeout: float = 5.0,
) -> AuditLog:
    """``audit_log`` with the same arguments, opened (``open_audit_log``)."""
    built = audit_log(
        url,
        redact,
        base_dir=base_dir,
        retention_days=retention_days,
        sync=sync,
        table=table,
        max_batch=max_batch,
        spool=spool,
        commit_timeout=commit_timeout,
    )
    return await open_audit_log(built, url, base_dir)


def _spool_folder(spool: str, base_dir: Path | None, table: str) -> Path:
    """The spool folder of a table: ``spool`` (relative to ``base_dir``), one subfolder per table."""
    folder = Path(spool).expanduser()
    if not folder.is_absolute() and base_dir is not None:
        folder = base_dir / folder
    return folder / table


def _unreachable(url: str, exc: BaseException, base_dir: Path | None = None) -> StoreUnavailable:
    """The error for an audit trail that cannot be opened: its URL (password hidden), why, what to do."""
    why = str(exc) or type(exc).__name__
    if url.startswith(("postgresql://", "postgres://")):
        return StoreUnavailable(
            f"the audit trail {safe_url(url)} cannot be opened: {why}",
            "start PostgreSQL, or fix 'audit:' in the config (host, port, user, password, "
            "database); the gateway does not run without its audit trail",
        )
    scheme = "jsonl" if url.startswith("jsonl:///") else "sqlite"
    path = url_path(url, scheme, base_dir).absolute()
    return StoreUnavailable(
        f"the audit trail {scheme}:///{path} cannot be opened: {why}",
        "check that its folder exists and is writable, or fix 'audit:' in the config",
    )
