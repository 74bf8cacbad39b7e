"""The stdio transport: one spawned server process, newline-delimited JSON-RPC over its pipes.

The hot path is a write of one ``orjson`` line and a future resolved by the reader task: no lock,
no thread hop, any number of requests in flight (DESIGN.md §7, notes/hop-floor.md). The lines of
requests sent in the same turn of the event loop share one pipe write (``coalesce``). The server's
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

from portcullis.audit.redact import Redactor
from portcullis.errors import UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol.messages import notification
from portcullis.upstream.transports.base import Message, Transport, fail_pending
from portcullis.upstream.transports.coalesce import Coalescer

__all__ = ["StdioTransport"]

log = logging.getLogger("portcullis.upstream")

_LINE_LIMIT = 64 * 1024 * 1024  # one JSON-RPC message may be large (resources, images)
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
        self._pending: dict[int, asyncio.Future[Message]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._closing = False
        self._dead_reason: str | None = None
        self._out: Coalescer | None = None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.returncode is None and self._dead_reason is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def open(self) -> None:
        env = {**os.environ, **self.env}
        try:
            self._proc = await asyncio.create_subprocess_exec(
                self.command,
                *self.args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                cwd=self.cwd,
                limit=_LINE_LIMIT,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise UpstreamUnavailable(self.server, f"command not found: {self.command!r}") from None
        except PermissionError:
            raise UpstreamUnavailable(self.server, f"command is not executable: {self.command!r}") from None
        except OSError as exc:
            raise UpstreamUnavailable(self.server, f"cannot start {self.command!r}: {exc.strerror}") from None
        self._closing = False
        self._dead_reason = None
        assert self._proc.stdin is not None
        # Bound to this process's pipe: a line held for a process that died is never written to its successor.
        self._out = Coalescer(self._proc.stdin.write, self._unsent, asyncio.get_running_loop())
        self._tasks = [asyncio.create_task(self._read_stdout()), asyncio.create_task(self._read_stderr())]

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

    async def _read_stdout(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stream = self._proc.stdout
        reason = "the server closed its output"
        try:
            while True:
                try:
                    line = await stream.readline()
                except ValueError:
                    log.warning("[%s] dropped a line longer than %d bytes", self.server, _LINE_LIMIT)
                    continue
                if not line:
                    break
                try:
                    msg = orjson.loads(line)
                except orjson.JSONDecodeError:
                    log.warning("[%s] ignored a line that is not JSON: %.200r", self.server, line)
                    continue
                if isinstance(msg, dict):
                    await self._dispatch(msg)
                elif isinstance(msg, list):  # a JSON-RPC batch from an old server
                    for item in msg:
                        if isinstance(item, dict):
                            await self._dispatch(item)
        except Exception as exc:  # the reader must never die silently
            reason = f"reading its output failed: {exc!r}"
        finally:
            await self._lost(reason)

    async def _dispatch(self, msg: Message) -> None:
        if "method" not in msg and "id" in msg:
            fut = self._pending.pop(msg["id"], None) if isinstance(msg["id"], int) else None
            if fut is not None and not fut.done():
                fut.set_result(msg)
            return
        try:
            await self.on_message(msg, None)
        except Exception:
            log.exception("[%s] handling a server message failed", self.server)

    async def _lost(self, reason: str) -> None:
        proc = self._proc
        code: int | None = None
        if proc is not None:
            with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
                code = await asyncio.wait_for(proc.wait(), 2.0)
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

    def _write(self, msg: Message, request_id: int | None = None) -> None:
        out = self._out
        if out is None or not self.alive:
            raise UpstreamUnavailable(self.server, self._dead_reason or "the server is not running", may_have_run=False)
        try:
            out.write(orjson.dumps(msg) + b"\n", request_id)
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

    async def _maybe_drain(self) -> None:
        proc = self._proc
        if proc is not None and proc.stdin is not None:
            transport: Any = proc.stdin.transport
            if transport.get_write_buffer_size() > _HIGH_WATER:
                try:
                    await proc.stdin.drain()
                except (BrokenPipeError, ConnectionResetError) as exc:
                    raise UpstreamUnavailable(self.server, f"cannot write to the server: {exc!r}") from None

    async def request(self, message: Message, timeout: float) -> Message:
        rid = message["id"]
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Message] = loop.create_future()
        self._pending[rid] = fut
        timer = loop.call_later(timeout, _expire, fut)  # cheaper than asyncio.wait_for: one timer, no extra future
        try:
            self._write(message, rid if isinstance(rid, int) else None)
            await self._maybe_drain()
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
        self._write(message)
        await self._maybe_drain()

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
            if proc.stdin is not None:
                with contextlib.suppress(Exception):
                    proc.stdin.close()
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
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []


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
