"""``portcullis stdio``: the gateway over stdin/stdout, for clients that launch a command.

One client per process. Each line is one JSON-RPC message; each request runs as its own task so a
slow call never blocks the others; responses and notifications are written whole, one per line.
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
from typing import Any

import orjson

from portcullis.approvals import approval_settings
from portcullis.edge.auth import REVOKED, Identify, grant_of
from portcullis.edge.inbound import check_envelope, check_message, valid_id
from portcullis.protocol import INVALID_REQUEST, PARSE_ERROR, error_response
from portcullis.routing.dispatch import Gateway
from portcullis.sessions.client import ClientSession, Sender

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


async def _open_input(loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader) -> None:
    """Feed stdin into ``reader``; a regular file (``< requests.txt``) is read by a thread, since pipe
    transports refuse files (and uvloop aborts the process on one)."""
    fd = sys.stdin.fileno()
    if _is_pipe(fd):
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        return

    def pump() -> None:
        while chunk := os.read(fd, 1 << 16):
            loop.call_soon_threadsafe(reader.feed_data, chunk)
        loop.call_soon_threadsafe(reader.feed_eof)

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


async def _open_output(
    loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader
) -> asyncio.StreamWriter | _FileWriter:
    """The writer of whole lines to stdout: a pipe transport, or a plain file writer."""
    if not _is_pipe(sys.stdout.fileno()):
        return _FileWriter(sys.stdout.fileno())
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout)
    return asyncio.StreamWriter(transport, protocol, reader, loop)


async def _read_message(line: bytes, send: Sender) -> dict[str, Any] | None:
    """The message on ``line``; ``None`` when it is malformed (answered, or logged when it needs no answer)."""
    try:
        msg = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        await send(error_response(None, PARSE_ERROR, f"Parse error: {exc}"))
        return None
    problem = check_envelope(msg)
    if not isinstance(msg, dict):
        await send(error_response(None, *(problem or (INVALID_REQUEST, "Invalid request"))))
        return None
    problem = problem or check_message(msg, line)
    if problem is not None:
        if _is_request(msg) or ("method" not in msg and "id" not in msg):
            rid = msg.get("id")
            await send(error_response(rid if valid_id(rid) else None, *problem))
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


async def _refuse(msg: dict[str, Any], send: Sender) -> None:
    """Answer a request of a revoked key (a notification gets nothing)."""
    if _is_request(msg):
        await send(error_response(msg["id"], INVALID_REQUEST, REVOKED))


async def serve_stdio(gateway: Gateway, client: ClientSession, identify: Identify | None = None) -> None:
    """Serve one client over this process's stdin/stdout until stdin closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await _open_input(loop, reader)
    writer = await _open_output(loop, reader)

    async def send(msg: dict[str, Any]) -> None:
        writer.write(orjson.dumps(msg) + b"\n")

    client.sender = send
    gateway.registry.attach(client)
    tasks: set[asyncio.Task[None]] = set()
    listens: set[asyncio.Task[None]] = set()  # open until the client goes: ended, not waited for, at the end

    async def run(msg: dict[str, Any]) -> None:
        response = await gateway.handle(client, msg, send)
        if response is not None:
            await send(response)

    try:
        while True:
            try:
                line = await reader.readline()
            except ValueError:
                await send(error_response(None, INVALID_REQUEST, "message too large"))
                continue
            if not line:
                break
            if not line.strip():
                continue
            msg = await _read_message(line, send)
            if msg is None:
                continue
            if not _authorized(msg, client, identify):
                await _refuse(msg, send)
                continue
            task = asyncio.create_task(run(msg))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if msg.get("method") == "subscriptions/listen":
                listens.add(task)
                task.add_done_callback(listens.discard)
        answering = tasks - listens
        if answering:
            await asyncio.wait(answering, timeout=_drain_timeout(gateway))
    finally:
        gateway.registry.detach(client)
        for task in list(tasks):
            task.cancel()
        for task in list(tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await writer.drain()
