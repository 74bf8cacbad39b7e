"""Replay a draft policy over the audit trail: the service the CLI (``policy replay``) and the console call.

``replay_draft(draft, audit_url, …)`` reads the recorded calls (``replay.source``) and feeds them, in
time order, to a ``Replayer`` (``replay.engine``), in a worker thread so an event loop (the console's)
is not held up; ``replay_for_config`` does the same with a config's audit trail and a draft file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from portcullis.audit.options import audit_options
from portcullis.audit.query import AuditFilter
from portcullis.config.model import GatewayConfig
from portcullis.policy.compile import CompiledPolicy, load_policy
from portcullis.replay.engine import Replayer, ReplayReport
from portcullis.replay.source import read_records

__all__ = ["replay_draft", "replay_for_config"]


async def replay_draft(
    draft: CompiledPolicy,
    audit_url: str,
    *,
    base_dir: Path | None = None,
    table: str = "portcullis_audit",
    since: float | None = None,
    until: float | None = None,
    grant: str | None = None,
    server: str | None = None,
    examples: int = 3,
) -> ReplayReport:
    """What ``draft`` would have decided differently over the trail's calls (filters as ``portcullis audit``)."""
    flt = AuditFilter(grant=grant, server=server, since=since, until=until)
    records = await read_records(audit_url, flt, base_dir=base_dir, table=table)
    replayer = Replayer(draft, examples=examples)
    return await asyncio.to_thread(replayer.feed_all, records)


async def replay_for_config(
    config: GatewayConfig,
    draft: Path | CompiledPolicy,
    *,
    since: float | None = None,
    until: float | None = None,
    grant: str | None = None,
    server: str | None = None,
    examples: int = 3,
) -> ReplayReport:
    """``replay_draft`` over the audit trail of ``config`` (its ``audit`` URL and table)."""
    policy = draft if isinstance(draft, CompiledPolicy) else load_policy(draft)
    return await replay_draft(
        policy,
        config.audit,
        base_dir=config.base_dir,
        table=audit_options(config).table,
        since=since,
        until=until,
        grant=grant,
        server=server,
        examples=examples,
    )
