"""Every error Portcullis raises, with the text a person sees and what to do about it.

The hierarchy:

- ``PortcullisError``: base; ``str(err)`` is the message, ``err.hint`` says what to do.
  - ``ConfigError``: a configuration or policy file is wrong. Carries every ``Problem`` found
    (file, line where known, JSON path, message). The CLI exits 2 for config, 1 for policy findings.
  - ``UpstreamError``: talking to an upstream MCP server failed.
    - ``UpstreamUnavailable``: not running / restarting / unreachable; calls fail at once.
    - ``UpstreamTimeout``: the upstream did not answer within the per-call timeout.
    - ``UpstreamProtocolError``: the upstream answered with something that is not valid MCP.
  - ``StoreUnavailable``: a counter/approval/pin/audit store cannot be reached.
  - ``TooManyPending``: a grant has as many approval requests open as it may; none is opened.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "PortcullisError",
    "Problem",
    "StoreUnavailable",
    "TooManyPending",
    "UpstreamError",
    "UpstreamProtocolError",
    "UpstreamTimeout",
    "UpstreamUnavailable",
]


class PortcullisError(Exception):
    """Base class: ``str(err)`` is for people, ``hint`` tells them what to do next."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where it is and what is wrong."""

    file: str
    path: str  # JSON path such as ``$.servers.time.command``
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}"


class ConfigError(PortcullisError):
    """A configuration or policy file is invalid; ``problems`` lists every issue found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) found:\n{lines}", "fix them and try again")

    def __str__(self) -> str:
        return self.message


class UpstreamError(PortcullisError):
    """Talking to the upstream server ``server`` failed."""

    def __init__(self, server: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.server = server
        self.reason = message  # what went wrong, for nesting in another message


class UpstreamUnavailable(UpstreamError):
    """The upstream is down or restarting; ``retry_after`` is when it is next tried (seconds).

    ``may_have_run`` is False only when the request provably never reached the server (it was not
    running, or refused the connection): only then does a call get its rate-limit quota back.
    """

    def __init__(
        self, server: str, reason: str, retry_after: float | None = None, *, may_have_run: bool = True
    ) -> None:
        when = f"; retrying in {retry_after:.1f}s" if retry_after is not None else ""
        super().__init__(
            server,
            f"upstream server '{server}' is unavailable: {reason}{when}",
            "retry the call shortly; if it persists, check the server's command or URL in the config",
        )
        self.retry_after = retry_after
        self.reason = reason  # without the "upstream server … is unavailable" frame
        self.may_have_run = may_have_run


class UpstreamTimeout(UpstreamError):
    """The upstream did not answer within ``timeout`` seconds."""

    def __init__(self, server: str, method: str, timeout: float) -> None:
        super().__init__(
            server,
            f"upstream server '{server}' did not answer {method} within {timeout:g}s",
            "retry later, or raise the server's 'timeout' in the config",
        )
        self.timeout = timeout


class UpstreamProtocolError(UpstreamError):
    """The upstream sent something that is not valid MCP."""


class StoreUnavailable(PortcullisError):
    """A state store (counters, approvals, pins, audit) cannot be reached."""


class TooManyPending(PortcullisError):
    """A grant already has ``limit`` approval requests waiting for a person; no new one is opened."""

    def __init__(self, grant: str | None, limit: int) -> None:
        who = f"grant '{grant}'" if grant else "this client"
        super().__init__(
            f"{who} already has {limit} approval requests waiting for a person, the most allowed "
            "at once (approvals.max_pending_per_grant); no new request was opened",
            "wait until a person has decided some of them, then retry the call",
        )
        self.grant = grant
        self.limit = limit


class ApprovalNotFound(PortcullisError):
    """No approval request has the id ``approval_id``."""

    def __init__(self, approval_id: str) -> None:
        super().__init__(
            f"no approval request '{approval_id}'", "list the pending ones with 'portcullis approvals list'"
        )
        self.approval_id = approval_id


class ApprovalClosed(PortcullisError):
    """The approval request ``approval_id`` was already decided or has expired; it cannot be decided again."""

    def __init__(self, approval_id: str, status: str) -> None:
        super().__init__(
            f"approval request '{approval_id}' is already {status}",
            "a request is decided once; the agent's next call opens a new one if needed",
        )
        self.approval_id = approval_id
        self.status = status
