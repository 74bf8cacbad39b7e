"""Messages an upstream server sends on its own: routed to the client whose call they belong to.

Progress comes back under the token the gateway put in the request (``pc-<id>``) and goes to the
client under its own token; log messages and server→client questions (elicitation, sampling, roots)
go to the call they were sent for — on stdio, which does not say, to the one call in flight when
every call in flight comes from one client. A question nobody can answer gets a JSON-RPC error; a
question the server withdraws (``notifications/cancelled``) is withdrawn from the client too. Every
other notification goes to the session's ``on_notification`` (list changes, resource updates).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from portcullis.errors import UpstreamError
from portcullis.protocol.bridge import ForwardContext
from portcullis.protocol.constants import INTERNAL_ERROR, METHOD_NOT_FOUND
from portcullis.protocol.messages import Message, error_response, reply_error, result_response
from portcullis.upstream.transports.base import Transport

if TYPE_CHECKING:
    from portcullis.upstream.session import UpstreamSession

__all__ = ["ServerMessages"]


class ServerMessages:
    """Routes one session's server-initiated messages; holds what it needs to: the calls in flight."""

    def __init__(self, session: UpstreamSession) -> None:
        self._session = session
        self.inflight: dict[int, ForwardContext | None] = {}  # transport id -> the call's downstream end
        self.tokens: dict[str, tuple[Any, ForwardContext]] = {}  # our progress token -> (theirs, the call)
        self._answering: dict[str | int, asyncio.Task[None]] = {}  # server→client requests being answered

    async def on_message(self, msg: Message, related_id: int | None) -> None:
        """``Transport.on_message``: a notification or a request from the server."""
        method = msg.get("method")
        if not isinstance(method, str):
            return
        if "id" in msg:
            await self._on_server_request(msg, related_id)
            return
        if method == "notifications/cancelled":
            qid = (msg.get("params") or {}).get("requestId")
            asking = self._answering.pop(qid, None) if isinstance(qid, (str, int)) else None
            if asking is not None:  # the server withdrew a question: withdraw it from the client too
                asking.cancel(str((msg.get("params") or {}).get("reason") or f"cancelled by '{self._session.name}'"))
                return
        if method == "notifications/progress":
            params = msg.get("params") or {}
            entry = self.tokens.get(str(params.get("progressToken")))
            if entry is not None:
                original, ctx = entry
                await ctx.progress({**params, "progressToken": original})
            return
        if method == "notifications/message":
            asker = self._context_for(related_id)
            if asker is not None:
                await asker.log(msg.get("params") or {})
                return
        await self._session.on_notification(self._session.name, msg)

    def _context_for(self, related_id: int | None) -> ForwardContext | None:
        if related_id is not None and self.inflight.get(related_id) is not None:
            return self.inflight[related_id]
        # stdio carries no relation: the call still waiting is the one asking — when every call in flight
        # comes from one client. With several, a guess could show one client's question (or log) to another.
        waiting = [ctx for ctx in self.inflight.values() if ctx is not None]
        if len({id(getattr(ctx, "client", ctx)) for ctx in waiting}) != 1:
            return None
        return waiting[-1]

    async def _on_server_request(self, msg: Message, related_id: int | None) -> None:
        transport = self._session.transport
        if transport is None:
            return
        if msg.get("method") == "ping":
            await transport.respond(result_response(msg["id"], {}))
            return
        ctx = self._context_for(related_id)
        if ctx is None:
            text = f"no client is waiting on a call that could answer {msg['method']}"
            if len({id(getattr(c, "client", c)) for c in self.inflight.values() if c is not None}) > 1:
                text = (
                    f"the gateway cannot tell which of several clients' calls sent {msg['method']} "
                    "(stdio does not relate it to a request), so it asks none of them"
                )
            await transport.respond(error_response(msg["id"], METHOD_NOT_FOUND, text))
            return
        qid = msg["id"]
        task = asyncio.get_running_loop().create_task(self._answer(msg, ctx, transport))
        if isinstance(qid, (str, int)):  # kept so that the server can withdraw its question
            self._answering[qid] = task
            task.add_done_callback(
                lambda done: self._answering.pop(qid, None) if self._answering.get(qid) is done else None
            )

    async def _answer(self, msg: Message, ctx: ForwardContext, transport: Transport) -> None:
        """Ask the client ``msg``'s question and send its answer (or failure) back on ``transport``."""
        # The client's progress on this question (its _meta.progressToken is the server's) goes back here.
        token = ((msg.get("params") or {}).get("_meta") or {}).get("progressToken")
        routes = getattr(ctx, "progress_routes", None)
        if not isinstance(token, (str, int)) or not isinstance(routes, dict):
            routes = None

        async def relay_progress(params: dict[str, Any]) -> None:
            await self._session.notify("notifications/progress", params)

        if routes is not None:
            routes[token] = relay_progress
        try:
            reply = await ctx.server_request(msg)
        except Exception as exc:
            reply = reply_error(INTERNAL_ERROR, f"the client could not answer: {exc}")
        finally:
            if routes is not None and routes.get(token) is relay_progress:
                del routes[token]
        out: Message = {"jsonrpc": "2.0", "id": msg["id"]}
        if "error" in reply:
            out["error"] = reply["error"]
        else:
            out["result"] = reply.get("result", {})
        with contextlib.suppress(UpstreamError):
            await transport.respond(out)
