"""``portcullis stdio``: the gateway over stdin/stdout, for clients that launch a command.

One client per process. Each line is one JSON-RPC message; each request runs as its own task so a
slow call never blocks the others; responses and notifications are written whole, one per line, and
the lines of one turn of the event loop leave in one write (``_plumbing.coalesce``); the answer of the
only request in flight is written at once, with no end of turn to wait for (nothing else could join it).
A request's task leaves the set of those in flight as it ends (no done-callback, no turn of the loop
after its answer).
stdin is cut into lines by a protocol (``_Lines``) as the bytes arrive: every line of one read is
handled in that callback, so no reader task is woken per message (a call's hot path is one task).
Logs go to stderr only (stdout belongs to the protocol). At the end of input every request already
read is still answered (``printf '…' | portcullis stdio`` gets all its answers): calls in flight are
waited for, each bounded by its own timeout, and only ``subscriptions/listen`` streams are ended.
Malformed messages are refused by ``edge.inbound``; each message is decided with the agent key's
grant as it is now (``identify``, ``edge.auth``), so a changed grant applies at once and a revoked key is refused
from its next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
import sys
import threading
from asyncio import current_task
from collections.abc import Callable
from typing import Any

import orjson

from portcullis._plumbing.coalesce import Coalescer
from portcullis._plumbing.lines import LineCutter
from portcullis._plumbing.tasks import named_task
from portcullis.approvals import approval_settings
from portcullis.edge.auth import REVOKED, Identify, grant_of
from portcullis.edge.inbound import check_envelope, check_message, valid_id
from portcullis.protocol import INVALID_REQUEST, PARSE_ERROR, error_response
from portcullis.routing.dispatch import Gateway
from portcullis.sessions.client import ClientSession

__all__ = ["Identify", "serve_stdio"]

log = logging.getLogger("portcullis.stdio")


_DRAIN_MARGIN = 5.0  # seconds beyond the longest a call may take (upstream timeout, approval hold)


def _drain_timeout(gateway: Gateway) -> float:
    """The most a call read before the end of input may still take: its upstream's timeout plus an approval hold."""
    longest = max((s.config.timeout for s in gateway.pool.sessions.values()), default=0.0)
    return longest + approval_settings(gateway.config).timeout + _DRAIN_MARGIN


def _is_pipe(fd: int) -> bool:
    """Whether asyncio's pipe transports take ``fd``: a pipe, a socket or a character device (not a file)."""
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


_LINE_LIMIT = 64 * 1024 * 1024  # one message may be large (resources, images)
_TASK_NAME = "portcullis-stdio-message"


class _Lines(asyncio.Protocol):
    """stdin cut into lines (``_plumbing.lines``), each handed to ``on_line`` as soon as it is whole (all
    the lines of one read in one go: no reader task woken per message); ``ended`` resolves at the end of
    input. A line longer than ``_LINE_LIMIT`` is dropped and ``on_too_large`` called once for it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_line: Any, on_too_large: Any) -> None:
        self.cutter = LineCutter(on_line, on_too_large, _LINE_LIMIT)
        self.ended: asyncio.Future[None] = loop.create_future()

    def data_received(self, data: bytes) -> None:
        self.cutter.feed(data)

    def eof_received(self) -> bool:
        self.cutter.finish()  # the last line, without its newline
        if not self.ended.done():
            self.ended.set_result(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ended.done():
            self.ended.set_result(None)


async def _open_input(loop: asyncio.AbstractEventLoop, lines: _Lines) -> None:
    """Feed stdin into ``lines``; a regular file (``< requests.txt``) is read by a thread, since pipe
    transports refuse files (and uvloop aborts the process on one)."""
    fd = sys.stdin.fileno()
    if _is_pipe(fd):
        await loop.connect_read_pipe(lambda: lines, sys.stdin)
        return

    def pump() -> None:
        while chunk := os.read(fd, 1 << 16):
            loop.call_soon_threadsafe(lines.data_received, chunk)
        loop.call_soon_threadsafe(lines.eof_received)

    threading.Thread(target=pump, name="portcullis-stdin", daemon=True).start()


class _FileWriter:
    """Stdout redirected to a regular file (``> answers.txt``): written directly, nothing to drain."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    async def drain(self) -> None:
        return None


async def _open_output(loop: asyncio.AbstractEventLoop) -> asyncio.StreamWriter | _FileWriter:
    """The writer of whole lines to stdout: a pipe transport, or a plain file writer."""
    if not _is_pipe(sys.stdout.fileno()):
        return _FileWriter(sys.stdout.fileno())
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout)
    return asyncio.StreamWriter(transport, protocol, None, loop)


def _read_message(line: bytes, answer: Callable[[dict[str, Any]], None]) -> dict[str, Any] | None:
    """The message on ``line``; ``None`` when it is malformed (answered, or logged when it needs no answer)."""
    try:
        msg = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        answer(error_response(None, PARSE_ERROR, f"Parse error: {exc}"))
        return None
    problem = check_envelope(msg)
    if not isinstance(msg, dict):
        answer(error_response(None, *(problem or (INVALID_REQUEST, "Invalid request"))))
        return None
    problem = problem or check_message(msg, line)
    if problem is not None:
        if _is_request(msg) or ("method" not in msg and "result" not in msg and "error" not in msg):
            rid = msg.get("id")
            answer(error_response(rid if valid_id(rid) else None, *problem))
        else:
            log.warning("ignored a malformed message from the client: %s", problem[1])
        return None
    return msg


def _is_request(msg: dict[str, Any]) -> bool:
    return "method" in msg and "id" in msg


def _authorized(msg: dict[str, Any], client: ClientSession, identify: Identify | None) -> bool:
    """Give the client its key's grant as it is now (``edge.auth``); ``False`` when the key is no longer valid."""
    if identify is None:
        return True
    grant = identify()
    if grant is False:
        return False
    client.grant = grant_of(grant)
    return True


def _unwritten(ids: list[int], exc: BaseException) -> None:
    """Answers held for the end of a turn that could not be written: the client is gone."""
    log.debug("answers to the client could not be written (it closed its input?): %r", exc)


def _refuse(msg: dict[str, Any], answer: Callable[[dict[str, Any]], None]) -> None:
    """Answer a request of a revoked key (a notification gets nothing)."""
    if _is_request(msg):
        answer(error_response(msg["id"], INVALID_REQUEST, REVOKED))


async def serve_stdio(gateway: Gateway, client: ClientSession, identify: Identify | None = None) -> None:
    """Serve one client over this process's stdin/stdout until stdin closes."""
    loop = asyncio.get_running_loop()
    writer = await _open_output(loop)
    # The answers of one turn of the event loop (many, under concurrency) leave in one write to stdout.
    out = Coalescer(
        writer.transport.write if isinstance(writer, asyncio.StreamWriter) else writer.write, _unwritten, loop
    )

    def answer(msg: dict[str, Any]) -> None:
        out.write(orjson.dumps(msg) + b"\n")

    async def send(msg: dict[str, Any]) -> None:
        out.write(orjson.dumps(msg) + b"\n")

    tasks: set[asyncio.Task[None]] = set()
    listens: set[asyncio.Task[None]] = set()  # open until the client goes: ended, not waited for, at the end

    async def run(msg: dict[str, Any]) -> None:
        try:
            response = await gateway.handle(client, msg, send)
            if response is not None:
                # the only request in flight: no other answer can join this one in this turn
                out.write(orjson.dumps(response) + b"\n", alone=len(tasks) <= 1)
        finally:
            tasks.discard(current_task(loop))  # run is always a task

    def on_line(line: bytes) -> None:
        """One line of input: each message runs as its own task, started in the order the lines came."""
        if not line.strip():
            return
        msg = _read_message(line, answer)
        if msg is None:
            return
        if not _authorized(msg, client, identify):
            _refuse(msg, answer)
            return
        task = named_task(loop, run(msg), _TASK_NAME)
        tasks.add(task)  # ``run`` discards it as it ends
        if msg.get("method") == "subscriptions/listen":
            listens.add(task)
            task.add_done_callback(listens.discard)

    client.sender = send
    gateway.registry.attach(client)
    lines = _Lines(loop, on_line, lambda: answer(error_response(None, INVALID_REQUEST, "message too large")))
    try:
        await _open_input(loop, lines)
        await lines.ended
        answering = tasks - listens
        if answering:
            await asyncio.wait(answering, timeout=_drain_timeout(gateway))
    finally:
        gateway.registry.detach(client)
        await _finish(tasks, out, writer)


async def _finish(tasks: set[asyncio.Task[None]], out: Coalescer, writer: asyncio.StreamWriter | _FileWriter) -> None:
    """End what still runs (the listens, and calls past the drain), then write what is held."""
    for task in list(tasks):
        task.cancel()
    for task in list(tasks):
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    with contextlib.suppress(Exception):
        out.flush()
        await writer.drain()
