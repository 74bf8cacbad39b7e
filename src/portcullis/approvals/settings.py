"""The ``approvals:`` section of ``portcullis.yaml``, validated, and where approvals are stored.

```yaml
approvals:
  timeout: 45s            # how long a held call waits for a decision before answering "pending"
  ttl: 1h                 # how long a request stays open; also how long a one-call approval stays usable
  deny_hold: 15m          # a denial (or expiry) answers retries of the same call for this long
  progress_interval: 5s   # progress notifications while a call is held (when the client asked for them)
  max_pending_per_grant: 10   # open requests one grant may have at once; further calls are refused, saying why
  public_url: https://gw.example.com   # base of the approve/deny links (default: http://<listen>)
  key_prefix: "portcullis:"            # Redis key prefix (store: redis://…)
  webhook:
    url: https://hooks.example.com/portcullis
    secret: ${PORTCULLIS_WEBHOOK_SECRET}   # signs the POST body and the links (HMAC-SHA256)
    timeout: 5s
```

Where: ``store: redis://…`` keeps approvals in Redis (shared by replicas); ``store: sqlite:///PATH`` in
that file; ``store: memory`` (the default) in ``portcullis.db`` beside the config file, so that
``portcullis approvals approve`` in another shell sees the same queue and it survives a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portcullis._plumbing.sections import is_whole_number, unknown_keys
from portcullis.config.checks import duration_setting
from portcullis.config.model import GatewayConfig
from portcullis.config.source import Document, expand_env
from portcullis.errors import ConfigError, Problem

__all__ = ["DEFAULT_APPROVALS_DB", "ApprovalSettings", "WebhookSettings", "approval_settings", "store_url"]

DEFAULT_APPROVALS_DB = "portcullis.db"
_KEYS = (
    "timeout",
    "ttl",
    "deny_hold",
    "progress_interval",
    "public_url",
    "key_prefix",
    "webhook",
    "max_pending_per_grant",
)
_WEBHOOK_KEYS = ("url", "secret", "timeout")


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret: str
    timeout: float = 5.0


@dataclass(frozen=True)
class ApprovalSettings:
    timeout: float = 45.0
    ttl: float = 3600.0
    deny_hold: float = 900.0
    progress_interval: float = 5.0
    public_url: str = "http://127.0.0.1:8765"
    key_prefix: str = "portcullis:"
    webhook: WebhookSettings | None = None
    max_pending_per_grant: int = 10


def _duration(
    raw: Mapping[str, Any],
    key: str,
    default: float,
    path: str,
    doc: Document,
    problems: list[Problem],
    *,
    positive: bool = True,
) -> float:
    return duration_setting(doc, f"{path}.{key}", raw.get(key), default, problems, allow_zero=not positive)


def parse_approval_settings(
    raw: Mapping[str, Any] | None, *, listen: str = "127.0.0.1:8765", file: str = "<config>"
) -> ApprovalSettings:
    """Validate an ``approvals`` map; every problem is reported at once as a ``ConfigError``."""
    raw = raw or {}
    problems: list[Problem] = []
    doc = Document(file, raw)
    base = "$.approvals"
    problems.extend(Problem(file, path, message) for path, message in unknown_keys(raw, _KEYS, base))
    timeout = _duration(raw, "timeout", 45.0, base, doc, problems, positive=False)
    ttl = _duration(raw, "ttl", 3600.0, base, doc, problems)
    deny_hold = _duration(raw, "deny_hold", 900.0, base, doc, problems, positive=False)
    progress = _duration(raw, "progress_interval", 5.0, base, doc, problems)
    if timeout >= ttl:
        problems.append(Problem(file, f"{base}.timeout", "must be shorter than 'ttl' (how long a request stays open)"))
    host, _, port = listen.rpartition(":")
    if host in ("0.0.0.0", "::", "[::]", ""):
        host = "127.0.0.1"
    public_url = raw.get("public_url", f"http://{host}:{port}")
    if not isinstance(public_url, str) or not public_url.startswith(("http://", "https://")):
        problems.append(Problem(file, f"{base}.public_url", "must be an http(s):// URL"))
        public_url = "http://127.0.0.1:8765"
    public_url = expand_env(public_url, f"{base}.public_url", doc, problems).rstrip("/")
    prefix = raw.get("key_prefix", "portcullis:")
    if not isinstance(prefix, str):
        problems.append(Problem(file, f"{base}.key_prefix", "must be a string"))
        prefix = "portcullis:"
    max_pending = raw.get("max_pending_per_grant", 10)
    if not is_whole_number(max_pending, 1):
        problems.append(
            Problem(
                file,
                f"{base}.max_pending_per_grant",
                f"must be a whole number of requests, at least 1, got {max_pending!r}",
            )
        )
        max_pending = 10
    webhook = None
    hook = raw.get("webhook")
    if hook is not None:
        webhook = _parse_webhook(hook, doc, f"{base}.webhook", problems)
    if problems:
        raise ConfigError(problems)
    return ApprovalSettings(timeout, ttl, deny_hold, progress, public_url, prefix, webhook, max_pending)


def _parse_webhook(hook: Any, doc: Document, path: str, problems: list[Problem]) -> WebhookSettings | None:
    file = doc.file
    if not isinstance(hook, Mapping):
        problems.append(Problem(file, path, "must be a map with 'url' and 'secret'"))
        return None
    problems.extend(Problem(file, at, message) for at, message in unknown_keys(hook, _WEBHOOK_KEYS, path))
    url, secret = hook.get("url"), hook.get("secret")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        problems.append(Problem(file, f"{path}.url", "must be an http(s):// URL"))
        return None
    if not isinstance(secret, str) or not secret:
        problems.append(
            Problem(
                file,
                f"{path}.secret",
                "must be set: it signs the request and the links (write ${SOME_ENV_VAR} to keep it out of the file)",
            )
        )
        return None
    url = expand_env(url, f"{path}.url", doc, problems)
    secret = expand_env(secret, f"{path}.secret", doc, problems)
    if secret and len(secret) < 16:
        problems.append(Problem(file, f"{path}.secret", "must be at least 16 characters"))
    timeout = _duration(hook, "timeout", 5.0, path, doc, problems)
    return WebhookSettings(url, secret, timeout)


def approval_settings(config: GatewayConfig) -> ApprovalSettings:
    """The validated ``approvals`` section of a loaded config."""
    return parse_approval_settings(config.approvals, listen=config.listen, file=str(config.path or "<config>"))


def store_url(config: GatewayConfig) -> str:
    """Where approvals live: the ``store`` URL, or for ``memory`` a SQLite file beside the config."""
    if config.store == "memory":
        return f"sqlite:///{config.resolve(DEFAULT_APPROVALS_DB)}"
    if config.store.startswith("sqlite:///"):
        from portcullis._plumbing.store_url import url_path

        return f"sqlite:///{url_path(config.store, 'sqlite', config.base_dir)}"
    return config.store
