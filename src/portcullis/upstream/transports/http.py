"""The Streamable HTTP transport to an upstream MCP server, in both protocol eras.

Every JSON-RPC message is one POST on a keep-alive ``aiohttp`` session (one per upstream, made in
``open()``); the answer is a JSON body or an SSE stream scoped to that request, parsed as it
arrives, whose other messages (progress, logging, server→client requests) go to ``on_message``
with the request's id as ``related_id``. Many requests are in flight at once; nothing serialises
them. What goes into the headers depends on the era:

- legacy (≤ 2025-11-25): the ``Mcp-Session-Id`` captured from the ``initialize`` answer rides on
  every later request, ``MCP-Protocol-Version`` from 2025-06-18 on; after
  ``notifications/initialized`` a standalone GET stream carries the server's own messages
  (``related_id`` None); a 404 to a request with a session id means the session expired; ``close()``
  sends DELETE. Cancelling a request sends ``notifications/cancelled``. A request stream that the
  server ends before answering is resumed with a GET carrying ``Last-Event-ID`` (2025-11-25 polling).
- modern (2026-07-28): no session; each POST carries ``MCP-Protocol-Version`` (the ``_meta``
  version of the message), ``Mcp-Method``, ``Mcp-Name`` and the ``Mcp-Param-*`` headers a tool's
  ``inputSchema`` declares with ``x-mcp-header``. Closing a request's stream cancels it.

The era of each message is read from its own ``_meta`` first, so the session layer's
``server/discover`` probe is already modern before ``set_protocol_version`` is called.

Errors: unreachable (refused, DNS, reset) → ``UpstreamUnavailable`` at once; no answer in time →
``UpstreamTimeout``; a non-2xx status with a JSON-RPC error body → that error, returned as the
response; any other non-2xx, bad JSON or an oversized body → ``UpstreamProtocolError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from portcullis.errors import UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol.constants import is_modern
from portcullis.protocol.headers import encode_header_value, param_header_map, param_headers
from portcullis.protocol.messages import notification
from portcullis.protocol.meta import request_version
from portcullis.upstream.transports.base import Message
from portcullis.upstream.transports.deadline import Deadline
from portcullis.upstream.transports.httpchannel import ERROR_BODY_LIMIT, HttpChannel, Response
from portcullis.upstream.transports.rawhttp import RawHttpPool
from portcullis.upstream.transports.reasons import connect_reason, os_reason
from portcullis.upstream_auth.context import CALL_HEADERS

__all__ = ["StreamableHttpTransport"]

log = logging.getLogger("portcullis.upstream")

_NAME_PARAM = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}


class StreamableHttpTransport(HttpChannel):
    """JSON-RPC to one upstream over Streamable HTTP (POST per message, JSON or SSE answers)."""

    # -- lifecycle -----------------------------------------------------------------------------
    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(limit=self.max_connections, keepalive_timeout=self.keepalive_timeout)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout)
        self._http = aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            auto_decompress=True,
            trust_env=False,
            skip_auto_headers=("User-Agent",),
        )
        parts = urlsplit(self.url)
        if parts.scheme == "http" and parts.hostname and not parts.username:
            # Plain HTTP POSTs take the fast path (see transports.rawhttp); HTTPS and streams use aiohttp.
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            self._raw = RawHttpPool(parts.hostname, parts.port or 80, path, self.connect_timeout)
        self._closing = False
        self._dead = None

    def set_protocol_version(self, version: str | None) -> None:
        self.protocol_version = version
        self._modern = is_modern(version)
        if self._modern:
            self.session_id = None

    async def close(self) -> None:
        self._closing = True
        if self._get_task is not None:
            self._get_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._get_task
            self._get_task = None
        http = self._http
        if http is not None and not http.closed:
            if self.session_id is not None and self._dead is None:
                await self._delete_session(http)
            for task in list(self._background):
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            await http.close()
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        self.session_id = None

    async def _delete_session(self, http: aiohttp.ClientSession) -> None:
        """End the legacy session (the server may answer 405: it keeps sessions until they expire)."""
        headers = self._legacy_headers({**self.headers})
        try:
            async with asyncio.timeout(2.0):
                async with http.delete(self.url, headers=headers, allow_redirects=False) as resp:
                    await resp.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.debug("[%s] DELETE of the session failed: %r", self.server, exc)

    # -- headers -------------------------------------------------------------------------------
    def _headers_for(self, message: Message) -> dict[str, str]:
        headers = dict(self._base)
        per_call = CALL_HEADERS.get()
        if per_call:  # this call's own credential (a token exchanged for the caller's, upstream_auth)
            headers.update(per_call)
        params = message.get("params")
        version = self.protocol_version
        meta_version = request_version(params) if isinstance(params, dict) else None
        if isinstance(meta_version, str):
            version = meta_version
        if not is_modern(version):
            return self._legacy_headers(headers)
        assert version is not None
        headers["MCP-Protocol-Version"] = version
        method = message.get("method")
        if isinstance(method, str):
            headers["Mcp-Method"] = encode_header_value(method)
            key = _NAME_PARAM.get(method)
            if key is not None and isinstance(params, dict):
                name = params.get(key)
                if isinstance(name, str):
                    headers["Mcp-Name"] = encode_header_value(name)
                    mapping = self._tool_headers.get(name) if method == "tools/call" else None
                    if mapping:
                        headers.update(param_headers(mapping, params.get("arguments")))
        return headers

    def _learn_tools(self, response: Message) -> None:
        result = response.get("result")
        tools = result.get("tools") if isinstance(result, dict) else None
        if isinstance(tools, list):
            self.remember_tools(tools)

    def remember_tools(self, tools: list[Any]) -> None:
        """Note which tools declare ``x-mcp-header`` arguments, whose values modern calls mirror as headers.

        Every modern ``tools/list`` answer that passes through is read this way; a caller holding a
        catalogue from elsewhere (an earlier connection) may feed it here too.
        """
        for tool in tools:
            if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                mapping = param_header_map(tool.get("inputSchema"))
                if mapping:
                    self._tool_headers[tool["name"]] = mapping
                else:
                    self._tool_headers.pop(tool["name"], None)

    # -- requests ------------------------------------------------------------------------------
    async def request(self, message: Message, timeout: float) -> Message:
        http = self._client()
        rid = message["id"]
        method = str(message.get("method"))
        headers = self._headers_for(message)
        body = orjson.dumps(message)
        deadline = Deadline(timeout, self._loop)
        try:
            try:
                response = await self._exchange(http, body, headers, rid, method)
            finally:
                timed_out = deadline.end()
        except asyncio.CancelledError:
            if not timed_out:
                self._cancel_upstream(rid, "cancelled by the client", headers)
                raise
            self._cancel_upstream(rid, "timeout", headers)
            raise UpstreamTimeout(self.server, method, timeout) from None
        except TimeoutError:
            self._cancel_upstream(rid, "timeout", headers)
            raise UpstreamTimeout(self.server, method, timeout) from None
        if method == "tools/list" and "MCP-Protocol-Version" in headers and "Mcp-Method" in headers:
            self._learn_tools(response)
        return response

    async def _exchange(
        self, http: aiohttp.ClientSession, body: bytes, headers: dict[str, str], rid: Any, method: str
    ) -> Message:
        resp: Response
        try:
            resp = await (
                self._raw.post(body, headers)
                if self._raw is not None
                else http.post(self.url, data=body, headers=headers, allow_redirects=False)
            )
        except OSError as exc:  # the raw pool's connection failures (refused, unreachable, timed out)
            reason = f"cannot connect to {self._where}: {os_reason(exc)}"
            self._lost(reason)
            # Refused: nothing was sent. Any other failure may come after the request went out.
            raise UpstreamUnavailable(
                self.server, reason, may_have_run=not isinstance(exc, ConnectionRefusedError)
            ) from None
        except aiohttp.ClientConnectorError as exc:
            reason = f"cannot connect to {self._where}: {connect_reason(exc)}"
            self._lost(reason)
            raise UpstreamUnavailable(self.server, reason, may_have_run=False) from None
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(self.server, f"sending {method} to {self._where} failed: {exc!r}") from None
        try:
            response = await self._read_answer(resp, rid, method, headers)
        except BaseException as exc:
            resp.close()  # abandoning the stream is also how a modern request is cancelled
            if isinstance(exc, (aiohttp.ClientError, ConnectionError)):
                raise UpstreamUnavailable(
                    self.server, f"the answer to {method} from {self._where} broke off: {exc!r}"
                ) from None
            raise
        self._finish(resp)
        return response

    def _cancel_upstream(self, rid: Any, reason: str, headers: dict[str, str]) -> None:
        """Legacy: tell the server with ``notifications/cancelled``; modern: the closed stream said it."""
        if "Mcp-Method" in headers or not self.alive:
            return
        note = notification("notifications/cancelled", {"requestId": rid, "reason": reason})

        async def send() -> None:
            with contextlib.suppress(Exception):
                await self.notify(note)

        self._spawn(send())

    # -- one-way messages ----------------------------------------------------------------------
    async def notify(self, message: Message) -> None:
        await self._post_one_way(message)
        if message.get("method") == "notifications/initialized" and not self._modern and self._get_task is None:
            self._get_task = asyncio.get_running_loop().create_task(self._standalone_stream())

    async def respond(self, message: Message) -> None:
        await self._post_one_way(message)

    async def _post_one_way(self, message: Message) -> None:
        http = self._client()
        headers = self._headers_for(message)
        what = str(message.get("method") or f"the answer to {message.get('id')!r}")
        try:
            async with asyncio.timeout(self.notify_timeout):
                async with http.post(
                    self.url, data=orjson.dumps(message), headers=headers, allow_redirects=False
                ) as resp:
                    if resp.status == 404 and "Mcp-Session-Id" in headers:
                        raise self._expired(f"HTTP 404 to {what} with the session id")
                    if not 200 <= resp.status < 300:
                        detail = (await self._read_body(resp, ERROR_BODY_LIMIT, what))[:200]
                        if resp.status == 400 and "Mcp-Session-Id" in headers and b"session" in detail.lower():
                            raise self._expired(f"HTTP 400 to {what}: {detail.decode('utf-8', 'replace')}")
                        raise UpstreamProtocolError(
                            self.server,
                            f"upstream server '{self.server}' refused {what} with HTTP {resp.status}: "
                            f"{detail.decode('utf-8', 'replace')}",
                        )
                    if resp.content_type != "text/event-stream":
                        await self._read_body(resp, ERROR_BODY_LIMIT, what)
        except TimeoutError:
            raise UpstreamTimeout(self.server, what, self.notify_timeout) from None
        except aiohttp.ClientConnectorError as exc:
            reason = f"cannot connect to {self._where}: {connect_reason(exc)}"
            self._lost(reason)
            raise UpstreamUnavailable(self.server, reason) from None
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(self.server, f"sending {what} to {self._where} failed: {exc!r}") from None
