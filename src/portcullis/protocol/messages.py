"""JSON-RPC 2.0 message builders: every request, notification, result and error the gateway sends.

Messages are plain ``dict``\\ s (``Message``), parsed and serialised by ``orjson`` at the edges; these
builders are the one place their shape is written down. ``reply_error`` is the answer a client
gives to a server→client question (no ``jsonrpc``/``id``: the asker adds those when relaying it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

__all__ = [
    "Message",
    "Sender",
    "error_object",
    "error_response",
    "notification",
    "reply_error",
    "request",
    "result_response",
]

Message = dict[str, Any]
Sender = Callable[[Message], Awaitable[None]]


def request(rid: Any, method: str, params: dict[str, Any] | None = None) -> Message:
    """A JSON-RPC request (``params`` left out when ``None``)."""
    msg: Message = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def notification(method: str, params: dict[str, Any] | None = None) -> Message:
    """A JSON-RPC notification (``params`` left out when ``None``)."""
    msg: Message = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def result_response(rid: Any, result: Any) -> Message:
    """A JSON-RPC success response."""
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def error_object(code: int, message: str, data: Any = None) -> dict[str, Any]:
    """The ``error`` member of a JSON-RPC error response (``data`` left out when ``None``)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return error


def error_response(request_id: Any, code: int, message: str, data: Any = None) -> Message:
    """A JSON-RPC error response."""
    return {"jsonrpc": "2.0", "id": request_id, "error": error_object(code, message, data)}


def reply_error(code: int, message: str) -> Message:
    """A failed answer to a server→client question, before it is framed as a response."""
    return {"error": {"code": code, "message": message}}
