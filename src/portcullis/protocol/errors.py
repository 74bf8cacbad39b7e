"""The one JSON-RPC error type: a request that ends in an ``error`` response with this code and text.

Anything on the request path raises ``JsonRpcError`` (or a subclass that carries more for its
caller, such as the call pipeline's ``CallError``); the edge that answers the request turns it into
the response with ``response(rid)``. Failures of an upstream are ``portcullis.errors.UpstreamError``
instead: they say which server failed, and the edge maps them to their own codes.
"""

from __future__ import annotations

from typing import Any

from portcullis.protocol.messages import Message, error_object, error_response

__all__ = ["JsonRpcError"]


class JsonRpcError(Exception):
    """A JSON-RPC error: ``code`` (see ``protocol.constants``), ``message`` for people, optional ``data``."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def error(self) -> dict[str, Any]:
        """The ``error`` member of the response."""
        return error_object(self.code, self.message, self.data)

    def response(self, request_id: Any) -> Message:
        """The JSON-RPC error response to the request ``request_id``."""
        return error_response(request_id, self.code, self.message, self.data)
