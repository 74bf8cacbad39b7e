"""Logging setup: plain text for people, or one JSON object per line (``logging: {format: json}``).

Modules log through the standard ``logging`` module (loggers named ``portcullis.*``). Structured fields
go in ``extra={"fields": {...}}`` (or use ``log_event``); both formats show them. Every message and
field passes the same redaction as the audit trail, so secrets in arguments never reach the log.

```yaml
logging:
  format: json     # json | text (default text)
  level: info      # debug | info | warning | error
```
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence
from typing import IO, Any

import orjson

from portcullis._plumbing.isotime import iso
from portcullis._plumbing.sections import unknown_keys
from portcullis.audit.redact import Redactor
from portcullis.errors import ConfigError, Problem

__all__ = ["JsonFormatter", "TextFormatter", "configure_logging", "log_event"]

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
_HANDLER_NAME = "portcullis"


def _fields(record: logging.LogRecord, redactor: Redactor) -> dict[str, Any]:
    fields = getattr(record, "fields", None)
    if not isinstance(fields, Mapping):
        return {}
    out = redactor.value(dict(fields))
    return out if isinstance(out, dict) else {}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the structured fields, and any exception."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": iso(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self.redactor.text(record.getMessage()),
        }
        for key, value in _fields(record, self.redactor).items():
            doc.setdefault(key, value)
        if record.exc_info:
            doc["exception"] = self.redactor.text(self.formatException(record.exc_info))
        return orjson.dumps(doc, default=str).decode()


class TextFormatter(logging.Formatter):
    """``2026-07-05T12:00:00.000Z info portcullis.x: message key=value …`` (redacted)."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            iso(record.created),
            record.levelname.lower(),
            f"{record.name}:",
            self.redactor.text(record.getMessage()),
        ]
        for key, value in _fields(record, self.redactor).items():
            rendered = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
            parts.append(f"{key}={rendered}")
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + self.redactor.text(self.formatException(record.exc_info))
        return text


def configure_logging(
    settings: Mapping[str, Any] | None = None,
    *,
    redact: Sequence[str] = (),
    stream: IO[str] | None = None,
    file: str = "<config>",
) -> logging.Handler:
    """Send ``portcullis.*`` logs to ``stream`` (stderr) in the configured format; returns the handler.

    Calling it again replaces the handler it installed before.
    """
    settings = settings or {}
    problems = [
        Problem(file, path, message) for path, message in unknown_keys(settings, ("format", "level"), "$.logging")
    ]
    fmt = settings.get("format", "text")
    if fmt not in ("json", "text"):
        problems.append(Problem(file, "$.logging.format", "must be 'json' or 'text'"))
    level = settings.get("level", "info")
    if level not in _LEVELS:
        problems.append(Problem(file, "$.logging.level", f"must be one of {', '.join(_LEVELS)}"))
    if problems:
        raise ConfigError(problems)
    redactor = Redactor(redact)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter(redactor) if fmt == "json" else TextFormatter(redactor))
    root = logging.getLogger("portcullis")
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(_LEVELS[level])
    root.propagate = False
    return handler


def log_event(logger: logging.Logger, level: int, message: str, **fields: Any) -> None:
    """Log ``message`` with structured ``fields`` (redacted by the formatter)."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={"fields": fields})
