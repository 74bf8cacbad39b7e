"""The pipes of a stdio server's process: its stdout and stdin on pipe transports of the gateway's own.

The server is started with two ``os.pipe()``s as its stdin and stdout, which the gateway opens with
``connect_write_pipe`` and ``connect_read_pipe``; only its stderr is a pipe of the subprocess transport
(an asyncio stream, drained by the transport's reader). Written by hand because uvloop hands a child's
pipe data to the protocol through ``call_soon``: one more callback and one more turn of the event loop
(with its ``epoll_wait``) for every line a server sends, where a read pipe transport calls
``data_received`` from the read itself, so a server's answer reaches its caller's future at once.
The output is cut into lines as it arrives (``_plumbing.lines``): no reader task is woken per answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from portcullis._plumbing.lines import LineCutter

__all__ = ["LINE_LIMIT", "ServerProcess", "spawn"]

LINE_LIMIT = 64 * 1024 * 1024  # one JSON-RPC message may be large (resources, images)


@dataclass
class ServerProcess:
    """A started server: the process (``stderr``, ``wait``, ``returncode``), the writer of its stdin and
    the transport reading its stdout."""

    proc: asyncio.subprocess.Process
    stdin: asyncio.StreamWriter
    stdout: asyncio.ReadTransport


class _Output(asyncio.Protocol):
    """The server's stdout cut into lines, each handed to ``on_line`` as soon as it is whole; ``on_end``
    hears of the end of the output (``None``, or the error that ended it)."""

    def __init__(
        self,
        on_line: Callable[[bytes], None],
        on_too_large: Callable[[], None],
        on_end: Callable[[BaseException | None], None],
    ) -> None:
        self._lines = LineCutter(on_line, on_too_large, LINE_LIMIT)
        self._on_end = on_end

    def data_received(self, data: bytes) -> None:
        self._lines.feed(data)

    def eof_received(self) -> bool:
        return False  # the transport closes, and connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._lines.finish()  # the last line, without its newline
        self._on_end(exc)


async def spawn(
    command: str,
    args: tuple[str, ...],
    env: dict[str, str],
    cwd: str | None,
    on_line: Callable[[bytes], None],
    on_too_large: Callable[[], None],
    on_end: Callable[[BaseException | None], None],
) -> ServerProcess:
    """Start ``command args`` in a process group of its own, its stdout read into ``on_line``.

    Raises what starting it raises (``FileNotFoundError``, ``PermissionError``, ``OSError``)."""
    loop = asyncio.get_running_loop()
    child_in, our_in = os.pipe()
    our_out, child_out = os.pipe()
    try:
        transport, protocol = await loop.subprocess_exec(
            lambda: asyncio.subprocess.SubprocessStreamProtocol(limit=LINE_LIMIT, loop=loop),
            command,
            *args,
            stdin=child_in,
            stdout=child_out,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    except BaseException:
        os.close(our_in)
        os.close(our_out)
        raise
    finally:  # the child has its own copies (or none was started)
        os.close(child_in)
        os.close(child_out)
    proc = asyncio.subprocess.Process(transport, protocol, loop)
    out_file = os.fdopen(our_out, "rb", buffering=0)
    in_file = os.fdopen(our_in, "wb", buffering=0)
    try:
        stdout, _ = await loop.connect_read_pipe(lambda: _Output(on_line, on_too_large, on_end), out_file)
        try:
            writing, flow = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, in_file)
        except BaseException:
            stdout.close()
            raise
    except BaseException:  # closing a file twice is harmless: the transport may have closed it already
        in_file.close()
        out_file.close()
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        raise
    return ServerProcess(proc, asyncio.StreamWriter(writing, flow, None, loop), stdout)
