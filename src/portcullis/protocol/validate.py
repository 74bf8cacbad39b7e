"""Cheap structural checks of upstream results before they reach a client.

An upstream that answers with something that breaks the MCP schema must produce a clear JSON-RPC
error naming the server, not a crash in the client. Full pydantic validation costs 7–30 µs per
message; these hand checks cover what clients trip over in a few hundred ns.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_response", "check_result"]

_LIST_KEYS = {
    "tools/list": "tools",
    "prompts/list": "prompts",
    "resources/list": "resources",
    "resources/templates/list": "resourceTemplates",
}


def check_response(message: Any) -> str | None:
    """Return what is wrong with a JSON-RPC response, or ``None``."""
    if not isinstance(message, dict):
        return "a response that is not a JSON object"
    if "error" in message:
        err = message["error"]
        if not isinstance(err, dict) or not isinstance(err.get("code"), int) or not isinstance(err.get("message"), str):
            return "an error without an integer 'code' and a string 'message'"
        return None
    if "result" not in message:
        return "a response with neither 'result' nor 'error'"
    if not isinstance(message["result"], dict):
        return "a 'result' that is not a JSON object"
    return None


def check_result(method: str, result: dict[str, Any]) -> str | None:
    """Return what is wrong with the result of ``method``, or ``None``."""
    if result.get("resultType") == "input_required":
        ok = isinstance(result.get("inputRequests"), dict)
        return None if ok else "an input_required result without inputRequests"
    if method == "tools/call":
        content = result.get("content")
        if content is None and "structuredContent" in result:
            return None
        if not isinstance(content, list):
            return "a tools/call result whose 'content' is not a list"
        for item in content:
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                return "a tools/call content item without a string 'type'"
        if "isError" in result and not isinstance(result["isError"], bool):
            return "a tools/call result whose 'isError' is not a boolean"
        sc = result.get("structuredContent")
        if sc is not None and not isinstance(sc, dict):
            return "a tools/call result whose 'structuredContent' is not an object"
        return None
    key = _LIST_KEYS.get(method)
    if key is not None:
        items = result.get(key)
        if not isinstance(items, list):
            return f"a {method} result whose '{key}' is not a list"
        for item in items:
            if not isinstance(item, dict):
                return f"a {method} result with an entry that is not an object"
            if key == "tools" and (
                not isinstance(item.get("name"), str) or not isinstance(item.get("inputSchema", {}), dict)
            ):
                return "a tool without a string 'name' or with an 'inputSchema' that is not an object"
            if key in ("prompts", "resources", "resourceTemplates") and not isinstance(item.get("name"), str):
                return f"a {method} entry without a string 'name'"
        cursor = result.get("nextCursor")
        if cursor is not None and not isinstance(cursor, str):
            return f"a {method} result whose 'nextCursor' is not a string"
    return None
