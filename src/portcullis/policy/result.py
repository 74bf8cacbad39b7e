"""The tool result an agent gets when a call is not let through (the README's "Policy and rate limits").

``isError: true`` with a text that says why and what the agent can do (retry after N seconds, change
an argument, wait for approval, ask a person), and ``_meta["io.portcullis/decision"]`` with the
decision, the rule and the retry delay, so an agent can tell "denied" from "missing". A hidden tool is
answered exactly like a tool that does not exist.
"""

from __future__ import annotations

import math
from typing import Any

from portcullis.policy.decision import Decision

__all__ = ["META_KEY", "denial_result", "denial_text", "unknown_tool_result"]

META_KEY = "io.portcullis/decision"


def unknown_tool_result(name: str) -> dict[str, Any]:
    """What a call to a tool that does not exist (or is hidden) gets back."""
    return {"content": [{"type": "text", "text": f"Unknown tool: {name}"}], "isError": True}


def _seconds(value: float) -> str:
    n = max(1, math.ceil(value))
    return "1 second" if n == 1 else f"{n} seconds"


def denial_text(decision: Decision, retry_after: float | None = None) -> str:
    """The sentence the agent reads."""
    retry = retry_after if retry_after is not None else decision.retry_after
    name = decision.tool or "this tool"
    reason = decision.reason.rstrip(".")
    if decision.action == "require_approval":
        head = f"The call to '{name}' needs a person's approval: {reason}."
    else:
        head = f"Portcullis denied the call to '{name}': {reason}."
    if retry is not None:
        todo = f"retry the same call after {_seconds(retry)}."
    elif decision.argument is not None and not decision.hint:
        todo = f"change argument '{decision.argument}' and call again."
    else:
        todo = decision.hint or "ask a person to change the policy if this call is needed."
    return f"{head}\nWhat you can do: {todo}"


def denial_result(decision: Decision, retry_after: float | None = None) -> dict[str, Any]:
    """An MCP ``CallToolResult`` (as a dict) for a decision that is not ``allow``."""
    if decision.action == "hide":
        return unknown_tool_result(decision.tool)
    retry = retry_after if retry_after is not None else decision.retry_after
    meta: dict[str, Any] = {
        "decision": decision.action,
        "rule": decision.rule,
        "reason": decision.reason,
        "retry_after": None if retry is None else round(retry, 3),
    }
    if decision.argument is not None:
        meta["argument"] = decision.argument
    if decision.hint:
        meta["hint"] = decision.hint
    return {
        "content": [{"type": "text", "text": denial_text(decision, retry)}],
        "isError": True,
        "_meta": {META_KEY: meta},
    }
