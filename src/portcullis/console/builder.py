"""The policy builder page: pick tools, set a rule on them, watch the draft's check and diff, explain a sample
call, replay the draft over the audit trail, save — over ``api.policy`` and ``api.policy_draft``, the
services ``/api/v1/policy…`` calls too (``tests/console/test_parity.py`` holds every form here to its API
route), with the checks of ``portcullis policy check``.

The draft lives in the page (a textarea, so a person can also paste a policy in or type); every change
posts it back and gets the check and the diff against the live file. Saving sends the version (SHA-256)
the draft started from: a file changed meanwhile is refused, never overwritten.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portcullis.api import catalogue, policy, policy_draft
from portcullis.api.context import AdminContext
from portcullis.api.operators import Operator
from portcullis.console.render import page, page_operator, partial
from portcullis.errors import ConfigError, PortcullisError

__all__ = ["builder_routes"]


def _draft_view(ctx: AdminContext, text: str, version: str, **extra: Any) -> dict[str, Any]:
    """What the draft's part of the page shows: ``policy.check_draft`` (as ``POST /api/v1/policy/check``)."""
    checked = policy.check_draft(ctx, text)
    return {
        "text": text,
        "version": version,
        "check": checked,
        "diff": checked["diff"],
        "file": checked["file"],
        **extra,
    }


async def _show(ctx: AdminContext, request: Request) -> Response:
    op = page_operator(ctx, request)
    if isinstance(op, Response):
        return op
    try:
        live = policy.current_policy(ctx)
    except PortcullisError as exc:
        return page(ctx, request, "missing.html", op, 404, what=str(exc))
    text = policy.recommended_text(ctx) if request.query_params.get("from") == "recommended" else live.text
    added = request.query_params.get("add")
    if added:  # "add to draft" on a tool's page: its recommended rule, over the live policy
        try:
            text = policy_draft.merge_entries(text, policy.recommended_entry(ctx, added))
        except (LookupError, policy_draft.DraftError) as exc:
            return page(ctx, request, "missing.html", op, 404, what=str(exc))
    rows, _ = await catalogue.tool_rows(ctx, catalogue.ToolFilter.of(request.query_params))
    values = _draft_view(ctx, text, live.version)
    grants = [g.name for g in ctx.config.grants]
    return page(
        ctx,
        request,
        "policy.html",
        op,
        rows=rows,
        servers=sorted(ctx.config.servers),
        grants=grants,
        actions=policy_draft.ACTIONS,
        ops=policy_draft.OPS,
        **values,
    )


async def _select(ctx: AdminContext, request: Request) -> Response:
    op = page_operator(ctx, request)
    if isinstance(op, Response):
        return op
    rows, _ = await catalogue.tool_rows(ctx, catalogue.ToolFilter.of(request.query_params))
    return partial(ctx, "_select.html", op, rows=rows)


async def _draft(ctx: AdminContext, request: Request) -> Response:
    op = await ctx.auth.check(request, "viewer")
    if isinstance(op, Response):
        return op
    form = await request.form()
    text, version = str(form.get("text") or ""), str(form.get("version") or "")
    step = str(form.get("step") or "check")
    message = ""
    if step == "apply":
        names = [str(n) for n in form.getlist("tools")]
        try:
            text = policy_draft.apply_edit(text, names, policy_draft.RuleEdit.of(dict(form)))
            message = f"Rule set on {len(names)} tool(s); not saved yet."
        except policy_draft.DraftError as exc:
            message = str(exc)
    elif step == "recommended":
        text = policy.recommended_text(ctx)
    elif step == "current":
        live = policy.current_policy(ctx)
        text, version = live.text, live.version
    template = "_check.html" if step == "check" else "_draft.html"
    return partial(ctx, template, op, **_draft_view(ctx, text, version, message=message))


async def _explain(ctx: AdminContext, request: Request) -> Response:
    op = await ctx.auth.check(request, "viewer")
    if isinstance(op, Response):
        return op
    form = await request.form()
    text, tool, grant = (str(form.get(k) or "") for k in ("text", "tool", "grant"))
    try:
        result = policy.explain(ctx, text, tool, str(form.get("arguments") or ""), grant or None)
    except (ValueError, PortcullisError) as exc:
        return partial(ctx, "_explain.html", op, error=str(exc))
    return partial(ctx, "_explain.html", op, result=result)


async def _replay(ctx: AdminContext, request: Request) -> Response:
    op = await ctx.auth.check(request, "viewer")
    if isinstance(op, Response):
        return op
    form = await request.form()
    fields = {k: str(form.get(k) or "") for k in ("since", "grant", "server")}
    try:
        report = await policy.replay(ctx, str(form.get("text") or ""), **fields)
    except (ValueError, PortcullisError) as exc:
        return partial(ctx, "_replay.html", op, error=str(exc))
    return partial(ctx, "_replay.html", op, report=report)


async def _save(ctx: AdminContext, request: Request) -> Response:
    op = await ctx.auth.check(request, "admin")
    if isinstance(op, Response):
        return op
    assert isinstance(op, Operator)
    form = await request.form()
    text, version = str(form.get("text") or ""), str(form.get("version") or "")
    try:
        saved = await policy.save_policy(ctx, text, version, op.name)
    except policy.ConcurrentEdit as exc:
        return partial(ctx, "_draft.html", op, **_draft_view(ctx, text, version, error=str(exc)))
    except ConfigError:
        view = _draft_view(ctx, text, version, error="The policy is not valid: nothing was saved.")
        return partial(ctx, "_draft.html", op, **view)
    view = _draft_view(ctx, text, saved["version"], message="Saved: the gateway reloads it within a second.")
    return partial(ctx, "_draft.html", op, **view)


def builder_routes(ctx: AdminContext) -> list[Route]:
    def bound(
        handler: Callable[[AdminContext, Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(ctx, request)

        return endpoint

    return [
        Route("/console/policy", bound(_show), methods=["GET"]),
        Route("/console/policy/tools", bound(_select), methods=["GET"]),
        Route("/console/policy/draft", bound(_draft), methods=["POST"]),
        Route("/console/policy/explain", bound(_explain), methods=["POST"]),
        Route("/console/policy/replay", bound(_replay), methods=["POST"]),
        Route("/console/policy/save", bound(_save), methods=["POST"]),
    ]
