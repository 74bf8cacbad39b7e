"""The live policy for operators: read it, check a draft (the messages of ``portcullis policy check``), show
its diff, explain a sample call through it, replay it over the audit trail, and save it — refusing a
concurrent edit, never overwriting one.

A draft is policy text (JSON or YAML), checked by ``policy.check`` as ``portcullis policy check`` checks a
file, explained by ``policy.explain`` as ``policy explain`` does, replayed by ``replay`` as ``policy replay``
does; ``save_policy`` writes the file the gateway watches (it reloads within a second), only when the file
still has the version (its SHA-256) the editor started from, and records the change in the audit trail:
who saved it and the diff. No HTTP here: ``api.policy_routes`` and the console's builder both call these.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from portcullis.api.context import AdminContext, policy_file
from portcullis.audit.record import AuditRecord
from portcullis.audit.when import parse_instant
from portcullis.catalog.recommend import recommend_entry, recommend_policy
from portcullis.config.source import parse_document
from portcullis.errors import ConfigError, PortcullisError
from portcullis.policy import compile_policy, parse_policy
from portcullis.policy.check import check_text, problem_of
from portcullis.policy.explain import call_arguments, explain_call, split_tool
from portcullis.replay import render_report, replay_for_config

__all__ = [
    "ConcurrentEdit",
    "PolicyFile",
    "check_draft",
    "check_text",
    "current_policy",
    "diff_text",
    "explain",
    "recommended_entry",
    "recommended_text",
    "replay",
    "save_policy",
]

ToolDefs = dict[tuple[str, str], dict[str, Any]]  # approved definitions, as ``policy check`` reads them


class ConcurrentEdit(PortcullisError):
    """The policy file changed since the editor read it."""


@dataclass(frozen=True)
class PolicyFile:
    path: Path
    text: str
    version: str  # SHA-256 of the file's bytes ("" when it does not exist yet)


def _version(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data is not None else ""


def current_policy(ctx: AdminContext) -> PolicyFile:
    path = policy_file(ctx.config)
    if path is None:
        raise PortcullisError(
            "no policy file is configured, so there is none to edit", "set 'policy: policy.json' in the config"
        )
    try:
        data: bytes | None = path.read_bytes()
    except FileNotFoundError:
        data = None
    return PolicyFile(path, (data or b"").decode("utf-8", "replace"), _version(data))


def approved_tools(ctx: AdminContext) -> ToolDefs:
    """The approved definitions (for the numeric-rule warnings), as ``policy check`` reads them from pins."""
    catalog = ctx.state.catalog
    return {key: pin.definition for key, pin in catalog.pins.items()} if catalog is not None else {}


def diff_text(old: str, new: str, name: str) -> str:
    """A unified diff of the file as it is and the draft (empty when they are the same)."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"{name} (live)", f"{name} (draft)"
        )
    )


def check_draft(ctx: AdminContext, text: str) -> dict[str, Any]:
    """A draft checked as ``portcullis policy check`` checks a file, with its diff against the live file and
    that file's name (what the builder shows as you type, and ``POST /api/v1/policy/check`` answers)."""
    live = current_policy(ctx)
    check = check_text(text, str(live.path), approved_tools(ctx), ctx.config.servers)
    return {**check, "diff": diff_text(live.text, text, live.path.name), "file": live.path.name}


async def replay(
    ctx: AdminContext, text: str, since: str = "24h", until: str = "", grant: str = "", server: str = ""
) -> dict[str, Any]:
    """What the draft (the live policy when ``text`` is empty) would have decided differently over the audit
    trail's calls, as ``portcullis policy replay``: the report as data and as the CLI's lines of text.
    Raises ``ValueError`` for a bad time or an invalid draft, ``PortcullisError`` when the trail cannot be read."""
    now = ctx.clock()
    start = None if since.strip() in ("", "all") else parse_instant(since.strip(), now)
    end = parse_instant(until.strip(), now) if until.strip() else None
    try:
        draft = compile_policy(parse_policy(parse_document(text or current_policy(ctx).text, "draft")))
    except ConfigError as exc:
        raise ValueError(f"the draft is not valid: {exc.problems[0]}") from None
    report = await replay_for_config(
        ctx.config, draft, since=start, until=end, grant=grant.strip() or None, server=server.strip() or None
    )
    span = f" since {since.strip()}" if start is not None else ""
    return {**report.to_dict(), "empty": report.empty, "lines": render_report(report, span)}


def recommended_text(ctx: AdminContext) -> str:
    """The policy ``portcullis recommend`` would write for the catalogue as it is now."""
    catalog = ctx.state.catalog
    tools = [(e.server, e.classification) for e in catalog.entries()] if catalog is not None else []
    return (
        orjson.dumps(recommend_policy(tools, prefix=ctx.config.prefix_tools), option=orjson.OPT_INDENT_2).decode()
        + "\n"
    )


def recommended_entry(ctx: AdminContext, name: str) -> dict[str, dict[str, Any]]:
    """``{name: entry}``: what ``portcullis recommend`` writes for one tool. Raises ``LookupError``."""
    catalog = ctx.state.catalog
    found = catalog.find(name) if catalog is not None else []
    if len(found) != 1:
        raise LookupError(f"tool '{name}' in the catalogue")
    entry = found[0]
    key = f"{entry.server}__{entry.name}"
    return {key: recommend_entry(key, entry.classification)}


def explain(ctx: AdminContext, text: str, tool: str, arguments: object, grant: str | None) -> dict[str, Any]:
    """What the draft (the live policy when ``text`` is empty) decides for a sample call, and the rule — by
    ``policy.explain``, as ``portcullis policy explain``. ``arguments`` is a JSON object, as data or text.
    Raises ``ValueError`` for bad arguments, a tool name without a server, an unknown grant or an invalid draft."""
    args = call_arguments(arguments)
    server, name = split_tool(tool, ctx.config.servers)
    found = None
    if grant:
        found = next((g for g in ctx.config.grants if g.name == grant), None)
        if found is None:
            raise ValueError(
                f"no grant named '{grant}' (grants: {', '.join(g.name for g in ctx.config.grants) or 'none'})"
            )
    try:
        policy = compile_policy(parse_policy(parse_document(text or current_policy(ctx).text, "draft")))
    except ConfigError as exc:
        raise ValueError(f"the draft is not valid: {exc.problems[0]}") from None
    return explain_call(policy, server, name, args, found).to_dict()


def _write(path: Path, text: str) -> None:
    """Replace the file in one step (the watcher never reads half of it)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


async def save_policy(ctx: AdminContext, text: str, version: str, who: str) -> dict[str, Any]:
    """Write the draft over the live policy file when it is valid and the file is still at ``version``.

    Raises ``ConfigError`` (invalid draft: the file is untouched) or ``ConcurrentEdit``. Returns the check
    result with the new ``version`` and the ``diff`` that was recorded in the audit trail."""
    live = current_policy(ctx)
    result = check_text(text, str(live.path), approved_tools(ctx), ctx.config.servers)
    if not result["ok"]:
        raise ConfigError([problem_of(p) for p in result["problems"]])
    if live.version != version:
        raise ConcurrentEdit(
            f"{live.path.name} changed since you loaded it (another operator saved it, or it was edited on disk); "
            "your draft was NOT saved and nothing was overwritten",
            "reload the policy, apply your change again, and save",
        )
    diff = diff_text(live.text, text, live.path.name)
    _write(live.path, text)
    await _record(ctx, live.path, diff, who)
    ctx.hub.publish("policy")
    return {**result, "version": _version(text.encode("utf-8")), "diff": diff}


async def _record(ctx: AdminContext, path: Path, diff: str, who: str) -> None:
    audit = ctx.state.audit
    if audit is None:
        return
    await audit.write(
        AuditRecord(
            time=ctx.clock(),
            grant=None,
            session=f"console:{who}",
            server="portcullis",
            tool="policy.save",
            arguments={"file": str(path), "diff": diff},
            decision="policy_change",
            rule=str(path),
            reason=f"policy {path.name} saved by {who}",
            approver=who,
            outcome="ok",
        )
    )
