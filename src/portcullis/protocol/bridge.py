"""The downstream end of a forwarded request: progress and server→client questions, across eras.

A legacy client is asked directly (``elicitation/create``, ``sampling/createMessage``,
``roots/list`` sent on the request's own stream). A modern client cannot be sent requests; the
questions of a modern upstream already arrive as ``input_required`` results and pass through, and a
legacy upstream's question to a modern client is answered with MISSING_CLIENT_CAPABILITY naming the
missing capability. ``ForwardContext`` is what the upstream side sees of a forwarded request;
``Bridge`` implements it over any downstream client session (``AskingClient``).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, Protocol

from portcullis.protocol.constants import MISSING_CLIENT_CAPABILITY
from portcullis.protocol.messages import Message, Sender, notification, reply_error

__all__ = ["CAPABILITY_OF", "AskingClient", "Bridge", "ForwardContext"]

CAPABILITY_OF = {"elicitation/create": "elicitation", "sampling/createMessage": "sampling", "roots/list": "roots"}
_ASK_TIMEOUT = 300.0


class ForwardContext(Protocol):
    """The downstream side of one forwarded request: where its progress, logs and questions go."""

    @property
    def client_capabilities(self) -> dict[str, Any] | None: ...

    @property
    def log_level(self) -> str | None: ...

    async def progress(self, params: dict[str, Any]) -> None: ...

    async def log(self, params: dict[str, Any]) -> None: ...

    async def server_request(self, message: Message) -> Message: ...


class AskingClient(Protocol):
    """What the bridge needs of a downstream client session."""

    @property
    def progress_routes(self) -> dict[str | int, Any]: ...

    @property
    def capabilities(self) -> dict[str, Any]: ...

    @property
    def log_level(self) -> str | None: ...

    @property
    def era(self) -> Literal["legacy", "modern"]: ...

    def has_capability(self, name: str) -> bool: ...

    async def ask(self, method: str, params: dict[str, Any] | None, send: Sender, timeout: float) -> Message: ...


class Bridge:
    """Implements ``ForwardContext`` for one downstream request."""

    __slots__ = ("asked", "client", "questions", "send")

    def __init__(self, client: AskingClient, send: Sender | None) -> None:
        self.client = client
        self.send = send
        # Set by the caller when a modern client fronts a legacy upstream: questions are parked here
        # (key → (request, answer future)) and ``asked`` wakes the caller to return input_required.
        self.questions: dict[str, tuple[dict[str, Any], asyncio.Future[Message]]] | None = None
        self.asked: asyncio.Future[None] | None = None

    @property
    def progress_routes(self) -> dict[str | int, Any]:
        """Where this client's progress on a question goes, by the question's progress token."""
        return self.client.progress_routes

    @property
    def client_capabilities(self) -> dict[str, Any] | None:
        return self.client.capabilities

    @property
    def log_level(self) -> str | None:
        return self.client.log_level

    async def log(self, params: dict[str, Any]) -> None:
        """An upstream log message during this request (modern clients only get what they asked for)."""
        if self.send is not None and (self.client.era == "legacy" or self.client.log_level):
            await self.send(notification("notifications/message", params))

    async def progress(self, params: dict[str, Any]) -> None:
        if self.send is not None:
            await self.send(notification("notifications/progress", params))

    async def server_request(self, message: Message) -> Message:
        method = str(message.get("method"))
        capability = CAPABILITY_OF.get(method)
        if capability is not None and not self.client.has_capability(capability):
            text = f"the client did not declare the '{capability}' capability needed for {method}"
            return reply_error(MISSING_CLIENT_CAPABILITY, text)
        if self.client.era == "modern" and self.questions is not None:
            fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
            key = f"q{len(self.questions) + 1}"
            request: dict[str, Any] = {"method": method}
            if message.get("params") is not None:
                request["params"] = message["params"]
            self.questions[key] = (request, fut)
            if self.asked is not None and not self.asked.done():
                self.asked.set_result(None)
            return await fut
        if self.send is None or self.client.era == "modern":
            text = f"{method} cannot be relayed to this client on this transport"
            return reply_error(MISSING_CLIENT_CAPABILITY, text)
        return await self.client.ask(method, message.get("params"), self.send, _ASK_TIMEOUT)

    async def ask_inputs(self, requests: dict[str, Any]) -> dict[str, Any] | None:
        """Answer a modern upstream's ``inputRequests`` by asking a legacy client; ``None`` if it cannot."""
        if self.send is None:
            return None
        responses: dict[str, Any] = {}
        for key, req in requests.items():
            if not isinstance(req, dict):
                return None
            reply = await self.server_request({"method": req.get("method"), "params": req.get("params")})
            if "error" in reply:
                return None
            responses[key] = reply.get("result", {})
        return responses
