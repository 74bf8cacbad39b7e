"""Store URLs: which name Redis, the ``?prefix=`` a Redis URL may carry, and how to show any of them.

``store: redis://host:6379/0?prefix=team-a:`` keeps every key of the gateway under ``team-a:``.
redis-py refuses a query parameter it does not know, so ``split_prefix`` takes ``prefix`` out before
the URL reaches the client. ``safe_url`` hides a password (in any URL, Redis or PostgreSQL) for
messages and logs. ``url_path`` is the file of a ``sqlite:///PATH`` (or ``jsonl:///PATH``) URL.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["REDIS_SCHEMES", "is_redis_url", "safe_url", "split_prefix", "url_path"]

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def is_redis_url(url: str) -> bool:
    """Whether ``url`` names a Redis server (``redis://``, ``rediss://`` or a ``unix://`` socket)."""
    return url.startswith(REDIS_SCHEMES)


def split_prefix(url: str) -> tuple[str, str | None]:
    """``(url without ?prefix=, the prefix or None)``; the URL's other parts stay as they were."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    own = dict(query).get("prefix")
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), own


def safe_url(url: str) -> str:
    """``url`` with its password shown as ``***`` (user, host and the rest kept), for messages and logs."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.partition(":")[0]
    return urlunsplit((parts.scheme, f"{user}:***@{hostport}", parts.path, parts.query, parts.fragment))


def url_path(url: str, scheme: str, base_dir: Path | None) -> Path:
    """The file of ``sqlite:///PATH`` or ``jsonl:///PATH``: relative to ``base_dir`` unless absolute.

    As in SQLAlchemy, ``sqlite:///portcullis.db`` is relative and ``sqlite:////var/lib/p.db`` absolute.
    """
    rest = url[len(scheme) + len(":///") :]
    path = Path(rest).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path
