"""The config keys that protect the gateway itself: who may operate it, and how much one client may hold.

- ``admin_tokens``: ``[{name, token_sha256, role}]`` — operator tokens for the console and the REST
  API (``portcullis admin-token create NAME --role viewer|approver|admin`` writes one);
- ``metrics_token_sha256``: when set, ``/metrics`` needs ``Authorization: Bearer <token>``;
- ``sessions_per_key`` (default 100): legacy HTTP sessions one agent key may hold;
- ``read_timeout`` (default ``30s``): how long a request's headers and body may take to arrive.
Names of grants and admin tokens follow ``NAME_RULE``: they appear in audit records, counter keys
and log lines, so they hold no spaces, quotes, braces or colons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from portcullis._plumbing.durations import parse_duration
from portcullis._plumbing.sections import is_whole_number, unknown_keys
from portcullis.config.model import ROLES, AdminTokenConfig
from portcullis.config.source import Document, join_path
from portcullis.errors import Problem

__all__ = ["NAME_RULE", "SECURITY_KEYS", "SecuritySettings", "is_sha256", "name_problem", "parse_security"]

SECURITY_KEYS = frozenset({"admin_tokens", "metrics_token_sha256", "sessions_per_key", "read_timeout"})
NAME_RULE = "letters, digits, '.', '_', '@' or '-', starting with a letter or a digit, at most 64 characters"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_TOKEN_KEYS = ("name", "token_sha256", "role")


def name_problem(name: object, what: str = "name") -> str | None:
    """Why ``name`` cannot name a grant or an admin token, or ``None`` when it can."""
    if not isinstance(name, str) or not name:
        return f"the {what} must be a non-empty string"
    if not _NAME_RE.match(name):
        return f"the {what} {name!r} is not valid: use {NAME_RULE}"
    return None


def is_sha256(value: object) -> bool:
    """A lowercase hex SHA-256, as the config stores digests."""
    return isinstance(value, str) and _SHA256_RE.match(value) is not None


@dataclass(frozen=True)
class SecuritySettings:
    admin_tokens: tuple[AdminTokenConfig, ...] = ()
    metrics_token_sha256: str | None = None
    sessions_per_key: int = 100
    read_timeout: float = 30.0


def _admin_tokens(doc: Document, raw: Any, problems: list[Problem]) -> tuple[AdminTokenConfig, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(doc.problem("$.admin_tokens", "must be a list of {name, token_sha256, role}"))
        return ()
    tokens: list[AdminTokenConfig] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        path = join_path("$.admin_tokens", i)
        if not isinstance(entry, dict):
            problems.append(doc.problem(path, "must be a map with name, token_sha256 and role"))
            continue
        problems.extend(doc.problem(p, message) for p, message in unknown_keys(entry, _TOKEN_KEYS, path))
        name, digest, role = entry.get("name"), entry.get("token_sha256"), entry.get("role", "admin")
        why = name_problem(name)
        if why is not None:
            problems.append(doc.problem(join_path(path, "name"), why))
            continue
        if name in seen:
            problems.append(doc.problem(join_path(path, "name"), f"admin token '{name}' is defined twice"))
        seen.add(str(name))
        if not is_sha256(digest):
            problems.append(
                doc.problem(
                    join_path(path, "token_sha256"),
                    "must be the SHA-256 of the token in hex; "
                    f"mint one with 'portcullis admin-token create {name} --role ROLE'",
                )
            )
            continue
        if role not in ROLES:
            problems.append(doc.problem(join_path(path, "role"), f"must be one of {', '.join(ROLES)}, got {role!r}"))
            continue
        tokens.append(AdminTokenConfig(str(name), str(digest), role))
    return tuple(tokens)


def parse_security(doc: Document, data: dict[str, Any], problems: list[Problem]) -> SecuritySettings:
    """Validate the keys of ``SECURITY_KEYS`` in a config's top level."""
    defaults = SecuritySettings()
    metrics = data.get("metrics_token_sha256")
    if metrics is not None and not is_sha256(metrics):
        problems.append(
            doc.problem(
                "$.metrics_token_sha256",
                "must be the SHA-256 of the token in hex ('portcullis admin-token metrics' writes it)",
            )
        )
        metrics = None
    per_key = data.get("sessions_per_key", defaults.sessions_per_key)
    if not is_whole_number(per_key, 1):
        problems.append(doc.problem("$.sessions_per_key", f"must be a whole number, at least 1, got {per_key!r}"))
        per_key = defaults.sessions_per_key
    raw_timeout = data.get("read_timeout", defaults.read_timeout)
    try:
        read_timeout = parse_duration(raw_timeout)
        if read_timeout <= 0:
            raise ValueError(f"must be more than 0, got {raw_timeout!r}")
    except (TypeError, ValueError) as exc:
        problems.append(doc.problem("$.read_timeout", str(exc)))
        read_timeout = defaults.read_timeout
    return SecuritySettings(_admin_tokens(doc, data.get("admin_tokens"), problems), metrics, per_key, read_timeout)
