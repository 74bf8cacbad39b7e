"""The ``tools/call`` path: route → guard (decide, limit, approve) → forward → settle and record.

This is the hot path. It touches the parsed request once, forwards raw dicts over a persistent
upstream session, and adds no lock; every step that is not needed for a call is skipped. The rare
cross-era question (a legacy upstream asking a modern client) parks the call (``parking``).

Every call that reaches this module leaves an audit record, written before the agent is answered: a
call that cannot be recorded is answered with an error (its result withheld) rather than silently.
A parked call is recorded when it parks and again when it ends: resumed, expired or cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from portcullis.errors import StoreUnavailable, UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.gateway.bridge import Bridge
from portcullis.gateway.eras import for_client
from portcullis.pipeline.guard import Admission, CallGuard, CallInfo, Outcome
from portcullis.pipeline.parking import PREFIX, ParkedCall, Parking, StaleState
from portcullis.protocol import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    MISSING_CLIENT_CAPABILITY,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNAVAILABLE,
)
from portcullis.routing.names import Namer
from portcullis.sessions.client import ClientSession, Sender
from portcullis.upstream.pool import UpstreamPool
from portcullis.upstream.session import UpstreamSession

__all__ = ["CallError", "Caller"]

_MAX_INPUT_ROUNDS = 8


class CallError(JsonRpcError):
    """A ``tools/call`` that ends in a JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None, *, upstream_refused: bool = False) -> None:
        super().__init__(code, message, data)
        self.upstream_refused = upstream_refused  # the upstream answered a JSON-RPC error: it did not run the tool


@dataclass
class _Flight:
    """One admitted call on its way upstream (kept across a park)."""

    call: CallInfo
    admission: Admission
    session: UpstreamSession
    forward: dict[str, Any]
    bridge: Bridge
    started: float


class Caller:
    def __init__(self, pool: UpstreamPool, namer: Namer, guard: CallGuard) -> None:
        self.pool = pool
        self.namer = namer
        self.guard = guard
        self.parking = Parking(self._parked_call_ended)

    async def call(self, client: ClientSession, params: Any, send: Sender | None) -> dict[str, Any]:
        if not isinstance(params, dict) or not isinstance(params.get("name"), str):
            raise CallError(INVALID_PARAMS, "tools/call needs params.name (a string)")
        state = params.get("requestState")
        if isinstance(state, str) and state.startswith(PREFIX):
            return await self._resume(client, params, state, send)
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
        call = CallInfo(client, server, tool, exposed, arguments)
        if guard.hidden(client, server, tool):
            await self._record(
                call, Admission("hide", "hide", "hidden by policy, or not a tool of the server"), "hidden", None
            )
            raise CallError(INVALID_PARAMS, f"Unknown tool: {exposed}")
        session = self.pool.sessions[server]
        if session.state != "ready":  # fail at once, naming the server and when it is tried again
            down = session.unavailable()
            await self._record(call, Admission("allow", "upstream", down.message), "unavailable", None)
            raise _as_call_error(down, server)
        bridge = Bridge(client, send)
        meta = params.get("_meta")
        token = meta.get("progressToken") if isinstance(meta, dict) else None
        if token is not None:
            call.progress = _progress_sender(bridge, token)
        admission = await guard.admit(call)
        if admission.denial is not None:
            await self._record(call, admission, "denied", None)
            return for_client(client.era == "modern", "tools/call", admission.denial)
        forward = dict(params)
        forward["name"] = tool
        flight = _Flight(call, admission, session, forward, bridge, time.perf_counter())
        if client.era == "modern" and session.era == "legacy":
            return await self._with_questions(flight, None)
        outcome = "protocol_error"
        refund = False
        try:
            resp = await session.request("tools/call", forward, ctx=flight.bridge)
            resp = await self._answer_inputs(flight, resp)
            result, outcome = self._result(flight, resp)
            return result
        except BaseException as exc:
            outcome = _outcome_of(exc, outcome)
            refund = _did_not_run(exc)
            raise _as_call_error(exc, server) from None
        finally:
            await self._finish(flight, outcome, refund)

    async def _answer_inputs(self, flight: _Flight, resp: dict[str, Any]) -> dict[str, Any]:
        """A modern upstream's input_required for a legacy client: ask the client, retry upstream."""
        client = flight.call.client
        for _ in range(_MAX_INPUT_ROUNDS):
            result = resp.get("result") or {}
            if client.era == "modern" or result.get("resultType") != "input_required":
                return resp
            requests = result.get("inputRequests") or {}
            answers = await flight.bridge.ask_inputs(requests)
            if answers is None:
                asked = sorted({str(r.get("method")) for r in requests.values() if isinstance(r, dict)})
                raise CallError(
                    MISSING_CLIENT_CAPABILITY,
                    f"upstream server '{flight.call.server}' needs {', '.join(asked) or 'input'} "
                    "from the client, which did not declare that capability or could not answer",
                )
            retry = dict(flight.forward)
            retry["inputResponses"] = answers
            if "requestState" in result:
                retry["requestState"] = result["requestState"]
            resp = await flight.session.request("tools/call", retry, ctx=flight.bridge)
        return resp

    def _result(self, flight: _Flight, resp: dict[str, Any]) -> tuple[dict[str, Any], str]:
        server = flight.call.server
        if "error" in resp:
            err = resp["error"]
            # The upstream speaks of its own tool name; say which server and which exposed name it was.
            where = f" (upstream server '{server}', tool '{flight.call.exposed}')"
            raise CallError(err["code"], err["message"] + where, err.get("data"), upstream_refused=True)
        result: dict[str, Any] = resp["result"]
        problem = check_result("tools/call", result)
        if problem is not None:
            raise CallError(INTERNAL_ERROR, f"upstream server '{server}' sent {problem}", {"server": server})
        outcome = "tool_error" if result.get("isError") is True else "ok"
        return for_client(flight.call.client.era == "modern", "tools/call", result), outcome

    async def _with_questions(self, flight: _Flight, task: asyncio.Task[dict[str, Any]] | None) -> dict[str, Any]:
        """Run (or go on running) a legacy upstream call for a modern client, parking it on a question."""
        bridge = flight.bridge
        bridge.questions = {}
        if task is None:
            task = asyncio.ensure_future(flight.session.request("tools/call", flight.forward, ctx=bridge))
        outcome = "protocol_error"
        refund = False
        parked = False
        try:
            bridge.asked = asyncio.get_running_loop().create_future()
            waiters: set[asyncio.Future[Any]] = {task, bridge.asked}
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if task not in done:
                waiting = {k: fut for k, (_, fut) in bridge.questions.items() if not fut.done()}
                requests = {k: req for k, (req, fut) in bridge.questions.items() if not fut.done()}
                grant = flight.call.client.grant.name if flight.call.client.grant else None
                await self._record(flight.call, flight.admission, "parked", time.perf_counter() - flight.started)
                # It waits no longer than the upstream call itself may take (the server's timeout).
                state = self.parking.park(
                    ParkedCall(task, waiting, flight, grant, flight.call.exposed), flight.session.config.timeout
                )
                parked = True
                return {"resultType": "input_required", "inputRequests": requests, "requestState": state}
            result, outcome = self._result(flight, task.result())
            return result
        except BaseException as exc:
            outcome = _outcome_of(exc, outcome)
            refund = _did_not_run(exc)
            if not task.done():  # cancelled, or its park could not be recorded: the upstream call ends too
                task.cancel()
            raise _as_call_error(exc, flight.call.server) from None
        finally:
            if not parked:
                await self._finish(flight, outcome, refund)

    async def _resume(
        self, client: ClientSession, params: dict[str, Any], state: str, send: Sender | None
    ) -> dict[str, Any]:
        try:
            parked = self.parking.resume(state, client.grant.name if client.grant else None, params["name"])
        except StaleState as exc:
            raise CallError(INVALID_PARAMS, f"Invalid requestState: {exc}") from None
        flight: _Flight = parked.context
        raw_answers = params.get("inputResponses")
        answers: dict[str, Any] = raw_answers if isinstance(raw_answers, dict) else {}
        for key, fut in parked.waiting.items():
            if not fut.done():
                answer = answers.get(key)
                fut.set_result(
                    {"result": answer}
                    if isinstance(answer, dict)
                    else {"error": {"code": INVALID_PARAMS, "message": f"the client gave no answer for {key}"}}
                )
        flight.bridge.send = send
        return await self._with_questions(flight, parked.task)

    async def _finish(self, flight: _Flight, outcome: str, refund: bool = False) -> None:
        upstream_seconds = time.perf_counter() - flight.started
        try:  # the record first: it is queued at once, so even a cancellation from here on cannot lose it
            await self._record(flight.call, flight.admission, outcome, upstream_seconds)
        finally:
            if flight.admission.settle is not None:
                await flight.admission.settle(not refund)  # keep the quota unless the tool provably did not run

    async def _record(
        self, call: CallInfo, admission: Admission, outcome: Outcome, upstream_seconds: float | None
    ) -> None:
        """Audit the call; when its record cannot be written (logged and counted by the guard), the agent
        gets an error instead of the result: nothing is answered without a record."""
        try:
            await self.guard.record(call, admission, outcome, upstream_seconds)
        except StoreUnavailable:
            raise CallError(
                INTERNAL_ERROR,
                "the gateway could not write this call's audit record, so it withholds "
                "the answer; tell a person (the gateway's log says why)",
                {"server": call.server},
            ) from None

    async def _parked_call_ended(self, parked: ParkedCall, outcome: str) -> None:
        """A parked call's client never came back (``expired``), or the gateway stops (``cancelled``)."""
        with contextlib.suppress(CallError):  # already logged and counted by the guard
            await self._finish(parked.context, outcome)

    async def close(self) -> None:
        """Record and end the calls still parked (the gateway is stopping)."""
        await self.parking.close()


def _progress_sender(bridge: Bridge, token: Any) -> Any:
    async def send(elapsed: float, message: str) -> None:
        await bridge.progress({"progressToken": token, "progress": elapsed, "message": message})

    return send


def _outcome_of(exc: BaseException, default: str) -> str:
    if isinstance(exc, UpstreamUnavailable):
        return "unavailable"
    if isinstance(exc, UpstreamTimeout):
        return "timeout"
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    return default


def _did_not_run(exc: BaseException) -> bool:
    """Whether the upstream provably did not run the tool: it was unavailable before the request went
    out, or it answered a JSON-RPC error. A timeout, a cancellation or a connection lost mid-call may
    come after the tool acted, so those keep their quota."""
    if isinstance(exc, CallError):
        return exc.upstream_refused
    if isinstance(exc, UpstreamUnavailable):
        return not exc.may_have_run
    return False


def _as_call_error(exc: BaseException, server: str) -> BaseException:
    if isinstance(exc, CallError):
        return exc
    if isinstance(exc, UpstreamUnavailable):
        return CallError(UPSTREAM_UNAVAILABLE, str(exc), {"server": server, "retryAfter": exc.retry_after})
    if isinstance(exc, UpstreamTimeout):
        return CallError(UPSTREAM_TIMEOUT, str(exc), {"server": server})
    if isinstance(exc, UpstreamProtocolError):
        return CallError(INTERNAL_ERROR, str(exc), {"server": server})
    return exc
