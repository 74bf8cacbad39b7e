"""A TCP relay on 127.0.0.1 in front of a real service, which a test can cut, hang and restore.

The machine's PostgreSQL (and Redis) serve every test and CI run, so a test never stops them: it puts
this relay between the gateway and the service and makes the *path* fail instead. ``cut()`` resets
every connection and stops listening (connection refused, as when the server is down); ``hang()``
keeps connections open but forwards nothing (a server that stopped answering); ``restore()`` listens
again on the same port. The relay runs on its own thread and event loop, so it keeps relaying while
the test's own code blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

__all__ = ["TcpFault", "tcp_fault"]

_CHUNK = 65536


class TcpFault:
    """Relay ``127.0.0.1:port`` → ``target``; ``cut``, ``hang`` and ``restore`` change what it does."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-fault", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()

    def start(self) -> None:
        self._thread.start()
        self._run(self._listen())

    def cut(self) -> None:
        """Refuse new connections and reset the open ones (the service is down)."""
        self._run(self._cut())

    def hang(self) -> None:
        """Keep connections, forward nothing (the service stopped answering)."""
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def restore(self) -> None:
        """Relay again (listening on the same port when cut)."""
        self._run(self._restore())

    def close(self) -> None:
        self._run(self._cut())
        self._run(self._end_relays())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    # -- on the relay's loop ----------------------------------------------------------------------
    def _run(self, work: object) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=30)  # type: ignore[arg-type]

    async def _listen(self) -> None:
        self._flowing.set()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._relay, sock=sock)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    async def _end_relays(self) -> None:
        """Cancel the relays still running (so none is left pending when the loop stops)."""
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _restore(self) -> None:
        self._flowing.set()
        if self._server is None:
            await self._listen()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, server_writer))
        try:
            await asyncio.gather(
                self._pipe(client_reader, server_writer),
                self._pipe(server_reader, client_writer),
                return_exceptions=True,
            )
        finally:
            for writer in (client_writer, server_writer):
                self._writers.discard(writer)
                writer.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(_CHUNK):
            await self._flowing.wait()
            writer.write(data)
            await writer.drain()
        writer.transport.abort()


@contextlib.contextmanager
def tcp_fault(target_host: str, target_port: int) -> Iterator[TcpFault]:
    """A started ``TcpFault`` for the duration of the block."""
    fault = TcpFault(target_host, target_port)
    fault.start()
    try:
        yield fault
    finally:
        fault.close()
