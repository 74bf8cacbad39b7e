"""The ``tools/call`` path: route → guard (decide, limit, approve) → forward → settle and record.

This is the hot path. It touches the parsed request once, forwards raw dicts over a persistent
upstream session, and adds no lock; every step that is not needed for a call is skipped.
"""

from __future__ import annotations

import time
from typing import Any

from portcullis.errors import UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.gateway.bridge import Bridge
from portcullis.gateway.client import ClientSession, Sender
from portcullis.gateway.eras import for_client
from portcullis.gateway.guard import Admission, CallGuard, CallInfo
from portcullis.gateway.names import Namer
from portcullis.protocol import INTERNAL_ERROR, INVALID_PARAMS, UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE
from portcullis.upstream.pool import UpstreamPool
from portcullis.upstream.validate import check_result

__all__ = ["CallError", "Caller"]

_MAX_INPUT_ROUNDS = 8


class CallError(Exception):
    """A ``tools/call`` that ends in a JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class Caller:
    def __init__(self, pool: UpstreamPool, namer: Namer, guard: CallGuard) -> None:
        self.pool = pool
        self.namer = namer
        self.guard = guard

    async def call(self, client: ClientSession, params: Any, send: Sender | None) -> dict[str, Any]:
        if not isinstance(params, dict) or not isinstance(params.get("name"), str):
            raise CallError(INVALID_PARAMS, "tools/call needs params.name (a string)")
        exposed: str = params["name"]
        arguments = params.get("arguments")
        if arguments is None:
            arguments = {}
        elif not isinstance(arguments, dict):
            raise CallError(INVALID_PARAMS, "tools/call params.arguments must be an object")
        route = self.namer.split(exposed)
        if route is None:
            raise CallError(INVALID_PARAMS, f"Unknown tool: {exposed}")
        server, tool = route
        guard = self.guard
        if guard.hidden(client, server, tool):
            raise CallError(INVALID_PARAMS, f"Unknown tool: {exposed}")
        session = self.pool.sessions[server]
        call = CallInfo(client, server, tool, exposed, arguments)
        admission = await guard.admit(call)
        if admission.denial is not None:
            await guard.record(call, admission, "denied", None)
            return for_client(client.era == "modern", "tools/call", admission.denial)
        forward = dict(params)
        forward["name"] = tool
        bridge = Bridge(client, send)
        t0 = time.perf_counter()
        outcome = "protocol_error"
        try:
            resp = await session.request("tools/call", forward, ctx=bridge)
            for _ in range(_MAX_INPUT_ROUNDS):
                result = resp.get("result") or {}
                needs_input = isinstance(result, dict) and result.get("resultType") == "input_required"
                if client.era == "modern" or not needs_input:
                    break
                answers = await bridge.ask_inputs(result.get("inputRequests") or {})
                if answers is None:
                    raise CallError(-32021, f"upstream server '{server}' needs input this client cannot give")
                retry = dict(forward)
                retry["inputResponses"] = answers
                if "requestState" in result:
                    retry["requestState"] = result["requestState"]
                resp = await session.request("tools/call", retry, ctx=bridge)
            if "error" in resp:
                err = resp["error"]
                raise CallError(err["code"], err["message"], err.get("data"))
            result = resp["result"]
            problem = check_result("tools/call", result)
            if problem is not None:
                raise CallError(INTERNAL_ERROR, f"upstream server '{server}' sent {problem}",
                                {"server": server})
            outcome = "tool_error" if result.get("isError") is True else "ok"
            return for_client(client.era == "modern", "tools/call", result)
        except UpstreamUnavailable as exc:
            outcome = "unavailable"
            raise CallError(UPSTREAM_UNAVAILABLE, str(exc),
                            {"server": server, "retryAfter": exc.retry_after}) from None
        except UpstreamTimeout as exc:
            outcome = "timeout"
            raise CallError(UPSTREAM_TIMEOUT, str(exc), {"server": server}) from None
        except UpstreamProtocolError as exc:
            raise CallError(INTERNAL_ERROR, str(exc), {"server": server}) from None
        finally:
            upstream_seconds = time.perf_counter() - t0
            await self._finish(call, admission, outcome, upstream_seconds)

    async def _finish(self, call: CallInfo, admission: Admission, outcome: str, upstream_seconds: float) -> None:
        if admission.settle is not None:
            await admission.settle(outcome in ("ok", "tool_error"))
        await self.guard.record(call, admission, outcome, upstream_seconds)
