"""Agent keys (grants) for operators: list them with their recent use, create one (its key shown once),
revoke one (its key refused at once).

The same steps as ``portcullis keys create`` / ``revoke``: the config file is edited in place
(``config.edit``; YAML keeps its comments), loaded again and put back if it does not load, and only the
key's SHA-256 is stored. The running gateway applies the new grants at once (it would within a second
anyway, by watching the file), so a revoked key gets 401 on its next request; other replicas sharing the
config file follow within their poll.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from portcullis.api.context import AdminContext
from portcullis.cli.config_file import open_config, save_config
from portcullis.config.edit import append_item, remove_item
from portcullis.config.security import name_problem
from portcullis.errors import PortcullisError
from portcullis.policy.grants import key_digest, new_key

__all__ = ["create_grant", "grant_rows", "revoke_grant"]

_DAY = 86400.0


async def grant_rows(ctx: AdminContext) -> list[dict[str, Any]]:
    """Every grant with its servers, policy, key digest prefix, and its calls and limit denials of the last 24 h."""
    calls: Counter[str] = Counter()
    limited: Counter[str] = Counter()
    if ctx.state.audit is not None:
        for r in await ctx.state.audit.query(since=ctx.clock() - _DAY, limit=20000):
            calls[str(r.get("grant"))] += 1
            if r.get("decision") == "limit":
                limited[str(r.get("grant"))] += 1
    return [
        {
            "name": g.name,
            "servers": list(g.servers),
            "policy": g.policy,
            "key_sha256_prefix": g.key_sha256[:12],
            "calls_24h": calls[g.name],
            "limited_24h": limited[g.name],
        }
        for g in ctx.config.grants
    ]


def _config_path(ctx: AdminContext) -> Any:
    path = ctx.config.path
    if path is None:
        raise PortcullisError(
            "this gateway runs without a config file, so grants cannot be added or removed here",
            "start it with -c portcullis.yaml",
        )
    return path


async def create_grant(ctx: AdminContext, name: str, servers: list[str] | None, policy: str | None) -> dict[str, Any]:
    """Add a grant; returns it with its key (the only time the key is shown). Raises ``PortcullisError``."""
    path = _config_path(ctx)
    before, original = open_config(path)
    if (why := name_problem(name, "grant name")) is not None:
        raise PortcullisError(why, "pick another name")
    if any(g.name == name for g in before.grants):
        raise PortcullisError(f"grant '{name}' already exists", "pick another name, or revoke it first")
    unknown = [s for s in servers or [] if s != "*" and s not in before.servers]
    if unknown:
        raise PortcullisError(
            f"unknown server(s) {', '.join(unknown)}", f"known: {', '.join(before.servers) or 'none'}"
        )
    key = new_key()
    entry: dict[str, Any] = {"name": name, "key_sha256": key_digest(key)}
    if servers:
        entry["servers"] = servers
    if policy:
        entry["policy"] = policy
    after = save_config(
        path,
        original,
        append_item(original, path, "grants", entry),
        lambda cfg: any(g.name == name and g.key_sha256 == entry["key_sha256"] for g in cfg.grants),
    )
    await ctx.state.apply_config(before, after)
    return {**entry, "key": key}


async def revoke_grant(ctx: AdminContext, name: str) -> None:
    """Remove a grant; its key is refused from now on. Raises ``LookupError`` when there is no such grant."""
    path = _config_path(ctx)
    before, original = open_config(path)
    index = next((i for i, g in enumerate(before.grants) if g.name == name), None)
    if index is None:
        raise LookupError(f"no grant named '{name}' (it may have been revoked already)")
    after = save_config(
        path,
        original,
        remove_item(original, path, "grants", index),
        lambda cfg: all(g.name != name for g in cfg.grants),
    )
    await ctx.state.apply_config(before, after)
