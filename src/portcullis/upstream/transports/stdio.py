"""The stdio transport: one spawned server process, newline-delimited JSON-RPC over its pipes.

The hot path is a write of one ``orjson`` line and a future resolved as the server's line arrives (its
stdout is read by a pipe transport of the gateway's own and cut into lines in its callback, ``pipes``: no
reader task is woken per response, no callback scheduled): no lock, no thread hop, any number of
requests in flight. The server's notifications and
requests are handled in the order it sent them, and a response that follows one waits for it. The lines of
requests sent in the same turn of the event loop share one pipe write (``_plumbing.coalesce``); the only
request in flight is written at once, with no end of turn scheduled. The loop is the one the server was
started on, kept rather than looked up per request (each look-up is a ``getpid`` system call). The server's
stderr is drained continuously (a full pipe would stall it) and its last lines are kept so that an
exit can be explained to the operator: they go to the gateway's log, redacted, never to agents or
``/healthz`` (which read "the server exited (code N)"), since a server may print anything there.
The server runs in a process group of its own, and closing it ends the whole group (``npx`` and
``uvx`` start the real server as a child).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import signal
from typing import Any

import orjson

from portcullis._plumbing.coalesce import Coalescer
from portcullis.audit.redact import Redactor
from portcullis.errors import UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol.decode import lenient_message
from portcullis.protocol.messages import notification
from portcullis.upstream.transports.base import Message, Transport, fail_pending
from portcullis.upstream.transports.pipes import LINE_LIMIT, spawn

__all__ = ["StdioTransport"]

log = logging.getLogger("portcullis.upstream")

_HIGH_WATER = 1024 * 1024
_STDERR_SHOWN = 5  # lines of a dead server's stderr put in the log
_REDACT = Redactor()


class StdioTransport(Transport):
    """Spawn ``command args`` and speak JSON-RPC over its stdin/stdout."""

    def __init__(
        self,
        server: str,
        command: str,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        super().__init__(server)
        self.command = command
        self.args = args
        self.env = env or {}
        self.cwd = cwd
        self._proc: asyncio.subprocess.Process | None = None
        self._stdin: asyncio.StreamWriter | None = None  # the server's stdin (``pipes``)
        self._stdout: asyncio.ReadTransport | None = None  # reads the server's stdout into ``_on_line``
        self._pending: dict[int, asyncio.Future[Message]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._closing = False
        self._dead_reason: str | None = None
        self._out: Coalescer | None = None
        self._backlog: collections.deque[Message] = collections.deque()  # server messages waiting their turn
        self._handler: asyncio.Task[None] | None = None  # handles the backlog, in order
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop the server's pipes are on
        self._stderr_reader: asyncio.Task[None] | None = None
        self._loss: asyncio.Future[None] | None = None  # the explanation of the server's death, once

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.returncode is None and self._dead_reason is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def open(self) -> None:
        env = {**os.environ, **self.env}
        loop = self._loop = asyncio.get_running_loop()
        try:
            server = await spawn(
                self.command, self.args, env, self.cwd, self._on_line, self._on_too_large, self._on_output_end
            )
        except FileNotFoundError:
            raise UpstreamUnavailable(
                self.server, f"command not found: {self.command!r} ({_why_not_found(self.command)})"
            ) from None
        except PermissionError:
            raise UpstreamUnavailable(self.server, f"command is not executable: {self.command!r}") from None
        except OSError as exc:
            raise UpstreamUnavailable(self.server, f"cannot start {self.command!r}: {exc.strerror}") from None
        self._proc = server.proc
        self._stdin = server.stdin
        self._stdout = server.stdout
        self._closing = False
        self._dead_reason = None
        # Bound to this process's pipe: a line held for a process that died is never written to its successor.
        self._out = Coalescer(server.stdin.transport.write, self._unsent, loop)  # the transport's own write
        self._backlog.clear()
        self._loss = None
        self._stderr_reader = asyncio.create_task(self._read_stderr())
        self._tasks = [self._stderr_reader]

    async def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        stream = self._proc.stderr
        while True:
            try:
                line = await stream.readline()
            except (ValueError, asyncio.LimitOverrunError):
                continue
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self._stderr.append(text)
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("[%s stderr] %s", self.server, _REDACT.text(text))

    def _on_line(self, line: bytes) -> None:
        try:
            msg = orjson.loads(line)
        except orjson.JSONDecodeError:
            msg = lenient_message(line)  # broken Unicode in a message is replaced, not the message lost
            if msg is None:
                if line.strip():
                    log.warning("[%s] ignored a line that is not JSON: %.200r", self.server, line)
                return
        if isinstance(msg, dict):
            self._received(msg)
        elif isinstance(msg, list):  # a JSON-RPC batch from an old server
            for item in msg:
                if isinstance(item, dict):
                    self._received(item)

    def _on_too_large(self) -> None:
        log.warning("[%s] dropped a line longer than %d bytes", self.server, LINE_LIMIT)

    def _received(self, msg: Message) -> None:
        """A response is handed to its caller at once, unless messages before it still wait to be handled
        (they go first: a notification the server sent before a response reaches the client before it)."""
        if not self._backlog and "method" not in msg and "id" in msg:
            self._answer(msg)
            return
        self._backlog.append(msg)
        if self._handler is None or self._handler.done():
            self._handler = asyncio.create_task(self._handle_backlog())

    def _answer(self, msg: Message) -> None:
        rid = msg.get("id")
        fut = self._pending.pop(rid, None) if type(rid) is int else None
        if fut is not None and not fut.done():
            fut.set_result(msg)

    async def _handle_backlog(self) -> None:
        """The server's messages in the order it sent them, each notification or request handled before the
        next message is looked at."""
        backlog = self._backlog
        while backlog:
            msg = backlog.popleft()
            if "method" not in msg and "id" in msg:
                self._answer(msg)
                continue
            try:
                await self.on_message(msg, None)
            except Exception:
                log.exception("[%s] handling a server message failed", self.server)

    def _on_output_end(self, exc: BaseException | None) -> None:
        reason = "the server closed its output" if exc is None else f"reading its output failed: {exc!r}"
        self._tasks.append(asyncio.create_task(self._output_ended(reason)))

    async def _output_ended(self, reason: str) -> None:
        """What the server sent before closing its output is handled first, then the loss."""
        handler = self._handler
        if handler is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(handler)
        await self._lost(reason)

    async def _lost(self, reason: str) -> None:
        """Explain the server's death once (its exit code, the last lines of its stderr in the log), fail what
        waits on it and tell the session; a second caller waits for the first one's explanation."""
        if self._loss is None:
            self._loss = asyncio.ensure_future(self._explain_loss(reason))
        await asyncio.shield(self._loss)

    async def _explain_loss(self, reason: str) -> None:
        proc = self._proc
        code: int | None = None
        if proc is not None:
            with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
                code = await asyncio.wait_for(proc.wait(), 2.0)
        if self._stderr_reader is not None:  # what it wrote before dying ("no such database") is read first
            await asyncio.wait({self._stderr_reader}, timeout=1.0)
        if self._closing:
            return
        detail = f"the server exited (code {code})" if code is not None else reason
        tail = list(self._stderr)[-_STDERR_SHOWN:]
        if tail:
            lines = "\n  ".join(_REDACT.text(line[:500]) for line in tail)
            log.warning("upstream %s: %s; the last lines of its stderr:\n  %s", self.server, detail, lines)
        else:
            log.warning("upstream %s: %s (nothing on its stderr)", self.server, detail)
        self._dead_reason = detail
        self._fail_pending(detail)
        self.on_close(detail)

    def _fail_pending(self, reason: str) -> None:
        fail_pending(self._pending, self.server, reason)

    def _write(self, msg: Message, request_id: int | None = None, alone: bool = False) -> None:
        out = self._out
        if out is None or not self.alive:
            proc = self._proc
            exited = f"the server exited (code {proc.returncode})" if proc and proc.returncode is not None else None
            reason = self._dead_reason or exited or "the server is not running"
            raise UpstreamUnavailable(self.server, reason, may_have_run=False)
        try:
            out.write(orjson.dumps(msg) + b"\n", request_id, alone)
        except (BrokenPipeError, ConnectionResetError, RuntimeError) as exc:
            raise UpstreamUnavailable(self.server, f"cannot write to the server: {exc!r}", may_have_run=False) from None

    def _unsent(self, ids: list[int], exc: BaseException) -> None:
        """Requests whose held lines could not be written: they never reached the server."""
        for rid in ids:
            fut = self._pending.get(rid)
            if fut is not None and not fut.done():
                fut.set_exception(
                    UpstreamUnavailable(self.server, f"cannot write to the server: {exc!r}", may_have_run=False)
                )

    def _over_high_water(self) -> bool:
        """Whether the server's stdin holds so much unwritten that the writer should wait for it to drain."""
        stdin = self._stdin
        if stdin is None:
            return False
        transport: Any = stdin.transport
        return transport.get_write_buffer_size() > _HIGH_WATER  # type: ignore[no-any-return]

    async def _maybe_drain(self) -> None:
        if self._over_high_water():
            await self._drain()

    async def _drain(self) -> None:
        stdin = self._stdin
        if stdin is not None:
            try:
                await stdin.drain()
            except (BrokenPipeError, ConnectionResetError) as exc:
                raise UpstreamUnavailable(self.server, f"cannot write to the server: {exc!r}") from None

    async def request(self, message: Message, timeout: float) -> Message:
        rid = message["id"]
        loop = self._loop or asyncio.get_running_loop()
        fut: asyncio.Future[Message] = loop.create_future()
        pending = self._pending
        pending[rid] = fut
        timer = loop.call_later(timeout, _expire, fut)  # cheaper than asyncio.wait_for: one timer, no extra future
        try:
            try:
                # the only request in flight: nothing else would share its write this turn
                self._write(message, rid if isinstance(rid, int) else None, len(pending) == 1)
            except UpstreamUnavailable as exc:
                raise await self._explained(exc) from None
            if self._over_high_water():
                await self._drain()
            return await fut
        except TimeoutError:
            self._cancel_upstream(rid, "timeout")
            raise UpstreamTimeout(self.server, str(message.get("method")), timeout) from None
        except asyncio.CancelledError:
            self._cancel_upstream(rid, "cancelled by the client")
            raise
        finally:
            timer.cancel()
            self._pending.pop(rid, None)

    def _cancel_upstream(self, rid: int, reason: str) -> None:
        with contextlib.suppress(UpstreamUnavailable):
            self._write(notification("notifications/cancelled", {"requestId": rid, "reason": reason}))

    async def notify(self, message: Message) -> None:
        try:
            self._write(message)
        except UpstreamUnavailable as exc:
            raise await self._explained(exc) from None
        await self._maybe_drain()

    async def _explained(self, refused: UpstreamUnavailable) -> UpstreamUnavailable:
        """A write refused because the server is gone: its death explained first (the exit reaped before the end of
        its output was handled, a pipe broken before either). Without this the caller heard "the server is not
        running" and the operator never saw the exit code or the server's stderr."""
        proc = self._proc
        if self._closing or proc is None or self._dead_reason is not None:
            return refused
        if proc.returncode is None:  # a broken pipe: the process is going; give it a moment to be reaped
            with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
                await asyncio.wait_for(proc.wait(), 2.0)
            if proc.returncode is None:
                return refused
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._lost("the server exited"), 5.0)
        return UpstreamUnavailable(self.server, self._dead_reason or refused.reason, may_have_run=refused.may_have_run)

    async def respond(self, message: Message) -> None:
        self._write(message)
        await self._maybe_drain()

    async def close(self) -> None:
        self._closing = True
        proc = self._proc
        self._fail_pending("the gateway is closing the connection")
        if proc is not None and proc.returncode is None:
            if self._out is not None:
                self._out.flush()  # what was held for this turn goes before the end of input
            if self._stdin is not None:
                with contextlib.suppress(Exception):
                    self._stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 2.0)
            except TimeoutError:
                _signal_group(proc, signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 2.0)
                except TimeoutError:
                    _signal_group(proc, signal.SIGKILL)
                    await proc.wait()
        if proc is not None:
            _signal_group(proc, signal.SIGTERM)  # what the server started and left behind (npx → node)
        if self._stdout is not None:
            self._stdout.close()  # a child the server left behind may hold its stdout open
        tasks = [*self._tasks, *([self._handler] if self._handler is not None else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._handler = None


def _expire(fut: asyncio.Future[Message]) -> None:
    if not fut.done():
        fut.set_exception(TimeoutError())


def _signal_group(proc: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    """Signal the server's process group (it leads one: ``start_new_session``), or the process alone."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)


def _why_not_found(command: str) -> str:
    """Why ``command`` was not found: a whole command line in ``command``, a missing file, or a name not on PATH."""
    words = command.split()
    if len(words) > 1 and not os.path.exists(command):
        args = ", ".join(words[1:])
        return (
            f"a command line: put the program in 'command' and the rest in 'args': command: {words[0]}, args: [{args}]"
        )
    return "no such file" if os.sep in command else "not on the gateway's PATH"
