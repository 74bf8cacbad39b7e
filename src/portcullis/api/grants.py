"""Agent keys (grants) for operators: list them with their recent use, create one (its key shown once),
revoke one (its key refused at once).

The same service as ``portcullis keys create`` / ``revoke`` (``policy.grant_file``): the config file is
edited in place (YAML keeps its comments), loaded again and put back if it does not load, only the key's
SHA-256 is stored, and a grant whose policy file is missing or invalid is refused unless forced. The
running gateway applies the new grants at once (it would within a second anyway, by watching the file), so
a revoked key gets 401 on its next request; other replicas sharing the config file follow within their poll.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from portcullis.api.context import AdminContext
from portcullis.api.counters import counter_use
from portcullis.errors import PortcullisError
from portcullis.policy.grant_file import add_grant, grant_servers, remove_grant

__all__ = ["create_grant", "grant_limits", "grant_rows", "revoke_grant"]

_DAY = 86400.0


async def grant_limits(ctx: AdminContext, name: str) -> dict[str, Any]:
    """One grant's rate-limit counters as they are now (``api.counters``). Raises ``LookupError``."""
    grant = next((g for g in ctx.config.grants if g.name == name), None)
    if grant is None:
        raise LookupError(f"no grant named '{name}' (it may have been revoked)")
    use = await counter_use(ctx.state.store, ctx.state.policies.for_grant(grant), grant, ctx.clock())
    return {"grant": name, **use}


async def grant_rows(ctx: AdminContext) -> list[dict[str, Any]]:
    """Every grant with its servers, policy, key digest prefix, its counters' use now (``limits``, and
    ``limits_error`` when the store cannot be read), and its calls and limit denials of the last 24 h."""
    calls: Counter[str] = Counter()
    limited: Counter[str] = Counter()
    if ctx.state.audit is not None:
        for r in await ctx.state.audit.query(since=ctx.clock() - _DAY, limit=20000):
            calls[str(r.get("grant"))] += 1
            if r.get("decision") == "limit":
                limited[str(r.get("grant"))] += 1
    now = ctx.clock()
    rows = []
    for g in ctx.config.grants:
        use = await counter_use(ctx.state.store, ctx.state.policies.for_grant(g), g, now)
        rows.append(
            {
                "name": g.name,
                "servers": list(g.servers),
                "policy": g.policy,
                "key_sha256_prefix": g.key_sha256[:12],
                "limits": use["limits"],
                "limits_error": use.get("error"),
                "calls_24h": calls[g.name],
                "limited_24h": limited[g.name],
            }
        )
    return rows


def _config_path(ctx: AdminContext) -> Path:
    path = ctx.config.path
    if path is None:
        raise PortcullisError(
            "this gateway runs without a config file, so grants cannot be added or removed here",
            "start it with -c portcullis.yaml",
        )
    return path


async def create_grant(
    ctx: AdminContext, name: str, servers: object, policy: str | None, force: bool = False
) -> dict[str, Any]:
    """Add a grant (``policy.grant_file.add_grant``, as ``portcullis keys create``: the same checks, the same
    words); returns it with its key (the only time the key is shown) and any ``warnings``. Raises
    ``PortcullisError``."""
    made = add_grant(_config_path(ctx), name.strip(), grant_servers(servers), policy or None, force=force)
    await ctx.state.apply_config(made.before, made.after)
    return {**made.entry, "key": made.key, "warnings": list(made.warnings)}


async def revoke_grant(ctx: AdminContext, name: str) -> None:
    """Remove a grant (as ``portcullis keys revoke``); its key is refused from now on. Raises ``LookupError``
    when there is no such grant (it may have been revoked already)."""
    before, after = remove_grant(_config_path(ctx), name)
    await ctx.state.apply_config(before, after)
