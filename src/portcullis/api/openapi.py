"""The OpenAPI 3.1 document of ``/api/v1`` (served at ``/api/v1/openapi.json``), written out by hand from
the routes in ``api.routes`` and ``approvals.rest``; a test checks that every route is in it."""

from __future__ import annotations

from typing import Any

__all__ = ["OPERATIONS", "openapi_document"]

# (method, path, role, summary, query parameters, body fields)
OPERATIONS: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("get", "/api/v1/overview", "viewer", "Servers, tool counts, calls per minute, denials, pending approvals", (), ()),
    (
        "get",
        "/api/v1/events",
        "viewer",
        "Server-Sent Events: approvals, audit, catalog, servers, grants, policy",
        (),
        (),
    ),
    (
        "get",
        "/api/v1/tools",
        "viewer",
        "The catalogue: every tool with risk, decision, pin state, calls in 24 h",
        ("server", "category", "level", "decision", "pin", "q"),
        (),
    ),
    ("get", "/api/v1/tools/{server}/{tool}", "viewer", "One tool: definition, signals, recommendation, diff", (), ()),
    ("post", "/api/v1/tools/{server}/{tool}/approve", "admin", "Approve (pin) the tool's current definition", (), ()),
    (
        "post",
        "/api/v1/tools/{server}/{tool}/keep-blocked",
        "admin",
        "Keep a changed (or new) definition blocked: recorded in the audit trail (409 when it is approved)",
        (),
        (),
    ),
    (
        "get",
        "/api/v1/policy",
        "viewer",
        "The live policy: text, version, check (format=raw downloads it)",
        ("format",),
        (),
    ),
    (
        "put",
        "/api/v1/policy",
        "admin",
        "Save a policy (refused when invalid, or when 'version' is stale)",
        (),
        ("text", "version"),
    ),
    (
        "get",
        "/api/v1/policy/recommended",
        "viewer",
        "The recommended policy for the catalogue ('text'), or one tool's recommended entry (?tool=)",
        ("tool",),
        (),
    ),
    ("post", "/api/v1/policy/check", "viewer", "Check a draft as 'policy check' does; its diff", (), ("text",)),
    (
        "post",
        "/api/v1/policy/edit",
        "viewer",
        "Apply one rule to tools of a draft",
        (),
        (
            "text",
            "tools",
            "action",
            "reason",
            "limit_max",
            "limit_window",
            "limit_scope",
            "limit_counter",
            "arg_path",
            "arg_op",
            "arg_value",
            "arg_message",
        ),
    ),
    (
        "post",
        "/api/v1/policy/explain",
        "viewer",
        "What a draft decides for a sample call",
        (),
        ("text", "tool", "arguments", "grant"),
    ),
    (
        "post",
        "/api/v1/policy/replay",
        "viewer",
        "Replay a draft over the audit trail as 'policy replay' does: what it would have decided differently",
        (),
        ("text", "since", "until", "grant", "server"),
    ),
    (
        "get",
        "/api/v1/audit",
        "viewer",
        "Audit records (format=json|jsonl|csv)",
        (
            "grant",
            "server",
            "tool",
            "decision",
            "outcome",
            "approval_id",
            "session",
            "since",
            "until",
            "limit",
            "after_id",
            "format",
        ),
        (),
    ),
    ("get", "/api/v1/audit/{id}", "viewer", "One audit record", (), ()),
    (
        "get",
        "/api/v1/grants",
        "viewer",
        "Grants with their rate-limit counters' use now ('limits') and their calls in 24 h",
        (),
        (),
    ),
    (
        "get",
        "/api/v1/grants/{name}/limits",
        "viewer",
        "One grant's rate-limit counters now: used of max per window and when each resets (read, never taken)",
        (),
        (),
    ),
    (
        "post",
        "/api/v1/grants",
        "admin",
        "Create a grant; the key is in the answer, once",
        (),
        ("name", "servers", "policy", "force"),
    ),
    ("delete", "/api/v1/grants/{name}", "admin", "Revoke a grant: its key is refused at once", (), ()),
    ("get", "/api/v1/approvals", "viewer", "Approval requests", ("status", "limit"), ()),
    ("get", "/api/v1/approvals/{id}", "viewer", "One approval request", (), ()),
    (
        "post",
        "/api/v1/approvals/{id}/approve",
        "approver",
        "Approve, once or 'for' a duration",
        (),
        ("comment", "for", "approver"),
    ),
    (
        "post",
        "/api/v1/approvals/{id}/deny",
        "approver",
        "Deny, with a comment the agent reads",
        (),
        ("comment", "approver"),
    ),
)


def _operation(
    method: str, path: str, role: str, summary: str, query: tuple[str, ...], body: tuple[str, ...]
) -> dict[str, Any]:
    params = [
        {"name": p.strip("{}"), "in": "path", "required": True, "schema": {"type": "string"}}
        for p in path.split("/")
        if p.startswith("{")
    ]
    params += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in query]
    op: dict[str, Any] = {
        "summary": summary,
        "description": f"Needs the role {role} or above.",
        "security": [{"adminToken": []}, {"consoleSession": []}],
        "parameters": params,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {}}},
            "400": {
                "description": "Bad input",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "401": {"description": "No credentials, or the session expired"},
            "403": {"description": "Wrong token, an agent key, a missing CSRF token, or a role too low"},
            "404": {"description": "No such thing"},
        },
    }
    if body:
        schema = {"type": "object", "properties": {b: {} for b in body}}
        op["requestBody"] = {
            "content": {"application/json": {"schema": schema}, "application/x-www-form-urlencoded": {"schema": schema}}
        }
    return op


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, role, summary, query, body in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, role, summary, query, body)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Portcullis admin API",
            "version": "1",
            "description": "Send an admin token as 'Authorization: Bearer <token>' (portcullis admin-token create "
            "NAME --role viewer|approver|admin). Agent keys are refused.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer"},
                "consoleSession": {"type": "apiKey", "in": "cookie", "name": "portcullis_console"},
            },
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "string"}}}},
        },
    }
