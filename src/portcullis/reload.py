"""What a re-read ``portcullis.yaml`` changes in a running gateway, compared with the file as it was.

Pure: two loaded configs in, a ``ConfigChanges`` out. The runtime applies it: ``grants`` and the
top-level ``policy`` take effect at once, servers are started, stopped or restarted, and every other
setting that changed is named in the log as needing a restart (it is not silently ignored).
Comparing file with file (not with the running config) keeps what the command line added out of it:
``--listen``, ``--demo``'s server and policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from portcullis.config.model import GatewayConfig, ServerConfig

__all__ = ["ACCESS_SETTINGS", "LIVE_SETTINGS", "ConfigChanges", "config_changes"]

# Who may call and who may operate, besides grants and policy: taken live like them.
ACCESS_SETTINGS = frozenset({"require_keys", "admin_tokens", "admin_token_sha256", "metrics_token_sha256"})
# Settings a running gateway takes from a re-read file; every other one needs a restart.
LIVE_SETTINGS = frozenset({"servers", "grants", "policy", *ACCESS_SETTINGS})
_NOT_SETTINGS = frozenset({"path", "lines"})


@dataclass(frozen=True)
class ConfigChanges:
    """How the file changed: servers by name, whether grants or policy moved, what needs a restart."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    access: bool = False  # grants, the top-level policy, or another of ACCESS_SETTINGS
    need_restart: tuple[str, ...] = ()

    @property
    def servers(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def describe_servers(self) -> str:
        parts = [
            f"{verb} {', '.join(names)}"
            for verb, names in (("started", self.added), ("stopped", self.removed), ("restarted", self.changed))
            if names
        ]
        return "; ".join(parts)


def _server_changes(
    old: Mapping[str, ServerConfig], new: Mapping[str, ServerConfig]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    added = tuple(n for n in new if n not in old)
    removed = tuple(n for n in old if n not in new)
    changed = tuple(n for n in new if n in old and new[n] != old[n])
    return added, removed, changed


def config_changes(old: GatewayConfig, new: GatewayConfig) -> ConfigChanges:
    """What changed from ``old`` to ``new`` (both loaded from the same file)."""
    added, removed, changed = _server_changes(old.servers, new.servers)
    restart = tuple(
        f.name
        for f in fields(GatewayConfig)
        if f.name not in LIVE_SETTINGS and f.name not in _NOT_SETTINGS and getattr(old, f.name) != getattr(new, f.name)
    )
    access = any(getattr(old, name) != getattr(new, name) for name in ("grants", "policy", *ACCESS_SETTINGS))
    return ConfigChanges(added, removed, changed, access, restart)
