"""The credential of the call being forwarded, when it is the caller's own (token exchange): a context
variable set around one upstream request, read by the HTTP transports as they build its headers."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar

__all__ = ["CALL_HEADERS"]

CALL_HEADERS: ContextVar[Mapping[str, str] | None] = ContextVar("portcullis_call_headers", default=None)
