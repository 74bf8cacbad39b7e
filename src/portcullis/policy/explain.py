"""Explain one sample call: what a policy decides for a tool, its arguments and a grant, and by which rule —
the one implementation behind ``portcullis policy explain``, ``POST /api/v1/policy/explain`` and the
console's policy builder. Pure: nothing is taken from any counter (the decision lists the limits the call
would take).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import orjson

from portcullis.config.model import GrantConfig
from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import Decision, ToolCall
from portcullis.policy.grants import grant_reaches

__all__ = ["call_arguments", "explain_call", "split_tool"]


def split_tool(name: str, servers: Collection[str]) -> tuple[str, str]:
    """``server__tool`` → ``(server, tool)``; a bare name is the only server's tool. ``ValueError`` otherwise."""
    server, sep, tool = name.partition("__")
    if sep and server:
        return server, tool
    if len(servers) == 1:
        return next(iter(servers)), name
    raise ValueError(f"give the tool as <server>__<tool>, not '{name}'")


def call_arguments(raw: object) -> dict[str, Any]:
    """A sample call's arguments: a JSON object, as data or as text (empty text is ``{}``). ``ValueError``."""
    value = raw
    if isinstance(raw, str | bytes):
        try:
            value = orjson.loads(raw or "{}")
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"the arguments are not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError('the arguments must be a JSON object, such as {"amount": 5}')
    return value


def explain_call(
    policy: CompiledPolicy,
    server: str,
    tool: str,
    arguments: dict[str, Any],
    grant: GrantConfig | None,
    session: str = "explain",
) -> Decision:
    """The decision for this call: a grant that may not reach the server is denied as the gateway would."""
    if grant is not None and not grant_reaches(grant, server):
        return Decision(
            "deny",
            "$.grants",
            f"grant '{grant.name}' may not reach server '{server}'",
            "ask a person to add the server to the grant",
            tool=f"{server}__{tool}",
        )
    return policy.decide(ToolCall(server, tool, arguments, grant.name if grant is not None else None, session))
