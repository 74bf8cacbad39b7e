"""Step 7, forward: the admitted call goes upstream, and its result comes back in the client's era.

It touches the parsed request once, forwards raw dicts over a persistent upstream session, and adds
no lock. A modern upstream's ``input_required`` for a legacy client is answered by asking the client
and retrying; the rare cross-era question (a legacy upstream asking a modern client) parks the call
(``parking``) until the client comes back with ``requestState``. When the call ends, ``finish``
records it (step 8) and settles its quota: kept unless the tool provably did not run (only then is its
``settle`` called). A call without a token exchange runs as ``_run``'s coroutine, with no layer around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from portcullis._plumbing.tasks import KeptLoop
from portcullis.config.model import GrantConfig
from portcullis.errors import UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.pipeline.guard import Admission, CallError, CallInfo, Outcome
from portcullis.pipeline.parking import ParkedCall, Parking, StaleState
from portcullis.protocol import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    MISSING_CLIENT_CAPABILITY,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNAVAILABLE,
)
from portcullis.protocol.bridge import Bridge
from portcullis.protocol.eras import for_client
from portcullis.protocol.validate import check_result
from portcullis.screening.hook import screen_call
from portcullis.screening.settings import ScreeningSettings
from portcullis.sessions.client import ClientSession, Sender
from portcullis.upstream.session import UpstreamSession
from portcullis.upstream_auth.context import CALL_HEADERS

__all__ = ["Flight", "Forward", "ForwardOptions", "as_call_error"]

_MAX_INPUT_ROUNDS = 8

Record = Callable[[CallInfo, Admission, Outcome, "float | None"], Awaitable[None]]
Prepare = Callable[[CallInfo, Admission], None]


@dataclass
class Flight:
    """One admitted call on its way upstream (kept across a park)."""

    call: CallInfo
    admission: Admission
    session: UpstreamSession
    forward: dict[str, Any]
    bridge: Bridge
    started: float


def _none(grant: GrantConfig | None) -> None:
    return None


@dataclass(frozen=True)
class ForwardOptions:
    """What the forward step is given besides the record step (``assemble`` builds it)."""

    screening: ScreeningSettings | None = None  # results screened before the agent reads them
    # the ``screening`` of the policy that governs a grant's calls (it wins over the config's)
    policy_screening: Callable[[GrantConfig | None], ScreeningSettings | None] = _none
    # the OAuth access token a grant's caller presented (for token exchange); None for agent keys
    subject_token: Callable[[GrantConfig | None], str | None] = _none


class Forward:
    """Sends admitted calls upstream and finishes them (record, settle)."""

    def __init__(self, record: Record, options: ForwardOptions | None = None, prepare: Prepare | None = None) -> None:
        self.record = record
        self.prepare = prepare  # builds what it can of the call's record while the call is upstream
        self._loop = KeptLoop()
        self.parking = Parking(self._parked_call_ended)
        options = options or ForwardOptions()
        self.screening = options.screening
        self.policy_screening = options.policy_screening
        self.subject_token = options.subject_token

    def run(self, flight: Flight) -> Coroutine[Any, Any, dict[str, Any]]:
        """The call's result for the client (awaited); the call is recorded and settled however it ends.
        Without a token exchange it is ``_run``'s coroutine itself (no coroutine of its own around it)."""
        if flight.session.exchanger is None:
            return self._run(flight)
        return self._exchanged(flight)

    async def _exchanged(self, flight: Flight) -> dict[str, Any]:
        exchanger = flight.session.exchanger
        assert exchanger is not None
        try:  # the call carries the caller's own token for this upstream (upstream_auth.exchange)
            headers = await exchanger.headers_for(self.subject_token(flight.call.client.grant))
        except UpstreamUnavailable as exc:
            await self.finish(flight, "unavailable", True)
            raise as_call_error(exc, flight.call.server) from None
        reset = CALL_HEADERS.set(headers)
        try:
            return await self._run(flight)
        finally:
            CALL_HEADERS.reset(reset)

    async def _run(self, flight: Flight) -> dict[str, Any]:
        call = flight.call
        if call.client.era == "modern" and flight.session.era == "legacy":
            return await self._with_questions(flight, None)
        outcome = "protocol_error"
        refund = False
        if self.prepare is not None:  # runs once the request is on its way, while the upstream works
            self._loop.running().call_soon(self.prepare, call, flight.admission)
        try:
            resp = await flight.session.request("tools/call", flight.forward, ctx=flight.bridge)
            if _asks_inputs(resp) and call.client.era != "modern":
                resp = await self._answer_inputs(flight, resp)
            result, outcome = self._result(flight, resp)
            return result
        except BaseException as exc:
            outcome = _outcome_of(exc, outcome)
            refund = _did_not_run(exc)
            raise as_call_error(exc, call.server) from None
        finally:
            await self.finish(flight, outcome, refund)

    async def _answer_inputs(self, flight: Flight, resp: dict[str, Any]) -> dict[str, Any]:
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

    def _result(self, flight: Flight, resp: dict[str, Any]) -> tuple[dict[str, Any], str]:
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
        screening = self.policy_screening(flight.call.client.grant) or self.screening
        if screening is not None:
            result, outcome = screen_call(screening, flight, result, outcome)
        return for_client(flight.call.client.era == "modern", "tools/call", result), outcome

    async def _with_questions(self, flight: Flight, task: asyncio.Task[dict[str, Any]] | None) -> dict[str, Any]:
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
                parked = True
                return await self._park(flight, task)
            result, outcome = self._result(flight, task.result())
            return result
        except BaseException as exc:
            parked = False
            outcome = _outcome_of(exc, outcome)
            refund = _did_not_run(exc)
            if not task.done():  # cancelled, or its park could not be recorded: the upstream call ends too
                task.cancel()
            raise as_call_error(exc, flight.call.server) from None
        finally:
            if not parked:
                await self.finish(flight, outcome, refund)

    async def _park(self, flight: Flight, task: asyncio.Task[dict[str, Any]]) -> dict[str, Any]:
        """Record the call as parked and answer the client's questions as ``input_required``."""
        questions = flight.bridge.questions or {}
        waiting = {k: fut for k, (_, fut) in questions.items() if not fut.done()}
        requests = {k: req for k, (req, fut) in questions.items() if not fut.done()}
        grant = flight.call.client.grant.name if flight.call.client.grant else None
        await self.record(flight.call, flight.admission, "parked", time.perf_counter() - flight.started)
        # It waits no longer than the upstream call itself may take (the server's timeout).
        state = self.parking.park(
            ParkedCall(task, waiting, flight, grant, flight.call.exposed), flight.session.config.timeout
        )
        return {"resultType": "input_required", "inputRequests": requests, "requestState": state}

    async def resume(
        self, client: ClientSession, params: dict[str, Any], state: str, send: Sender | None
    ) -> dict[str, Any]:
        """A modern client back with the answers to a parked call's questions."""
        try:
            parked = self.parking.resume(state, client.grant.name if client.grant else None, params["name"])
        except StaleState as exc:
            raise CallError(INVALID_PARAMS, f"Invalid requestState: {exc}") from None
        flight: Flight = parked.context
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

    async def finish(self, flight: Flight, outcome: str, refund: bool = False) -> None:
        upstream_seconds = time.perf_counter() - flight.started
        try:  # the record first: it is queued at once, so even a cancellation from here on cannot lose it
            await self.record(flight.call, flight.admission, outcome, upstream_seconds)
        finally:
            # the quota is kept (nothing to do) unless the tool provably did not run
            if refund and flight.admission.settle is not None:
                await flight.admission.settle(False)

    async def _parked_call_ended(self, parked: ParkedCall, outcome: str) -> None:
        """A parked call's client never came back (``expired``), or the gateway stops (``cancelled``)."""
        with contextlib.suppress(CallError):  # already logged and counted by the guard
            await self.finish(parked.context, outcome)

    async def close(self) -> None:
        """Record and end the calls still parked (the gateway is stopping)."""
        await self.parking.close()


def _asks_inputs(resp: dict[str, Any]) -> bool:
    """Whether an upstream's response is a modern ``input_required`` result (a question for the client)."""
    result = resp.get("result")
    return isinstance(result, dict) and result.get("resultType") == "input_required"


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


def as_call_error(exc: BaseException, server: str) -> BaseException:
    if isinstance(exc, CallError):
        return exc
    if isinstance(exc, UpstreamUnavailable):
        return CallError(UPSTREAM_UNAVAILABLE, str(exc), {"server": server, "retryAfter": exc.retry_after})
    if isinstance(exc, UpstreamTimeout):
        return CallError(UPSTREAM_TIMEOUT, str(exc), {"server": server})
    if isinstance(exc, UpstreamProtocolError):
        return CallError(INTERNAL_ERROR, str(exc), {"server": server})
    return exc
