"""The shape every message from a client must have before the gateway looks inside it (both fronts).

JSON-RPC leaves little to interpret, and what is malformed gets a clear error here instead of a
traceback deeper in: a message must be one object (no batches) saying ``"jsonrpc": "2.0"``; an ``id``
must be a string, a number or null (not an object, a list or a boolean, nor an integer beyond 64 bits,
which could not be answered as sent); a ``method`` a string, and a
message without one an answer (``result`` or ``error``); ``params`` and
``params._meta`` must be objects; and no message may nest JSON deeper than ``MAX_DEPTH`` levels, the
most the gateway forwards to an upstream (its encoder, the audit trail and the policy's argument
checks all stop there).
"""

from __future__ import annotations

from typing import Any

from portcullis.protocol import INVALID_PARAMS, INVALID_REQUEST

__all__ = ["MAX_DEPTH", "Problem", "check_envelope", "check_message", "valid_id"]

MAX_DEPTH = 100

Problem = tuple[int, str]  # a JSON-RPC error code and its message


_ID_RANGE = 2.0**63  # the parser reads a larger integer as a float: the answer could not carry it back as sent


def valid_id(value: Any) -> bool:
    """A JSON-RPC id the gateway can answer with as sent: a string, a number or null (``true`` is not a
    number here), not an integer beyond 64 bits (read as an approximate float, it would come back changed and
    the client could never match its answer)."""
    if type(value) is float:  # never NaN or infinite: the parser refuses both
        return not (value.is_integer() and abs(value) >= _ID_RANGE)
    return value is None or (isinstance(value, (str, int)) and not isinstance(value, bool))


def check_envelope(msg: Any) -> Problem | None:
    """What keeps ``msg`` (any parsed JSON) from being one JSON-RPC 2.0 message, or ``None``."""
    if isinstance(msg, list):
        return INVALID_REQUEST, "Invalid request: batches are not supported; send one JSON-RPC 2.0 object per message"
    if not isinstance(msg, dict):
        return INVALID_REQUEST, f"Invalid request: a message must be a JSON-RPC 2.0 object, not {_kind(msg)}"
    if "jsonrpc" not in msg:
        return INVALID_REQUEST, 'Invalid request: \'jsonrpc\' is missing; every message says "jsonrpc": "2.0"'
    if msg["jsonrpc"] != "2.0":
        return INVALID_REQUEST, f"Invalid request: 'jsonrpc' must be \"2.0\", not {_shown(msg['jsonrpc'])}"
    return None


def _shown(value: Any) -> str:
    return repr(value)[:40] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else _kind(value)


def check_message(msg: dict[str, Any], raw: bytes) -> Problem | None:
    """What is wrong with ``msg`` (parsed from ``raw``), or ``None`` when it may be handled."""
    if "id" in msg and not valid_id(msg["id"]):
        if type(msg["id"]) is float:
            return INVALID_REQUEST, "Invalid request: a number 'id' must be an integer within 64 bits (or a string)"
        return INVALID_REQUEST, (f"Invalid request: 'id' must be a string or a number, not {_kind(msg['id'])}")
    if "method" in msg:
        if not isinstance(msg["method"], str):
            return INVALID_REQUEST, f"Invalid request: 'method' must be a string, not {_kind(msg['method'])}"
    elif "result" not in msg and "error" not in msg:  # not a request, a notification nor an answer
        return INVALID_REQUEST, (
            "Invalid request: a message has a 'method' (a request or a notification), or is an answer with "
            "'result' or 'error'"
        )
    params = msg.get("params")
    if "params" in msg and not isinstance(params, dict):
        return INVALID_PARAMS, f"Invalid params: 'params' must be an object, not {_kind(params)}"
    if isinstance(params, dict) and "_meta" in params and not isinstance(params["_meta"], dict):
        return INVALID_PARAMS, f"Invalid params: '_meta' must be an object, not {_kind(params['_meta'])}"
    # Cheap bound first: a message cannot nest deeper than the number of brackets it holds.
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _deeper_than(msg, MAX_DEPTH):
        if "params" in msg:
            return INVALID_PARAMS, (
                f"Invalid params: the message nests JSON deeper than {MAX_DEPTH} levels, the "
                "most the gateway forwards; flatten the arguments"
            )
        return INVALID_REQUEST, f"Invalid request: the message nests JSON deeper than {MAX_DEPTH} levels"
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else "a number"


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects/lists more than ``limit`` levels (iterative: no recursion limit)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
