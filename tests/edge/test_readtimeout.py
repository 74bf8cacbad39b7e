"""``edge.readtimeout``: the read timeout and the keep-alive timeout share one timer per connection, and
neither hides the other (in process: uvicorn's protocol on a recording transport, short timeouts)."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from portcullis.edge.readtimeout import ReadTimeoutProtocol, protocol_with_read_timeout
from tests.waiting import WAIT

_GET = b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def write(self, data: Any) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _connected(read_timeout: float, keep_alive: float) -> tuple[ReadTimeoutProtocol, _Transport]:
    config = uvicorn.Config(_ok, lifespan="off", timeout_keep_alive=keep_alive, access_log=False)  # type: ignore[arg-type]
    config.load()
    protocol = protocol_with_read_timeout(read_timeout)(config=config, server_state=ServerState(), app_state={})
    transport = _Transport()
    protocol.connection_made(transport)
    return protocol, transport


async def _until(check: Any) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def _answers(transport: _Transport, count: int) -> Any:
    return lambda: transport.written.count(b"ok") == count


async def test_an_idle_connection_closes_after_the_keep_alive_timeout() -> None:
    protocol, transport = _connected(read_timeout=60.0, keep_alive=0.05)
    protocol.data_received(_GET)
    await _until(lambda: transport.written.endswith(b"ok"))
    await _until(lambda: transport.closed)


async def test_a_request_begun_after_a_response_keeps_its_read_deadline() -> None:
    """Bytes of the next request end the idle wait, not the read deadline of that request."""
    protocol, transport = _connected(read_timeout=0.05, keep_alive=60.0)
    protocol.data_received(_GET + b"GET /x HTTP/1.1\r\nHo")  # a whole request, then half of the next
    await _until(lambda: transport.written.endswith(b"ok"))
    protocol.data_received(b"s")  # a trickle
    await _until(lambda: transport.closed)


async def test_a_connection_that_keeps_sending_requests_stays_open() -> None:
    protocol, transport = _connected(read_timeout=0.2, keep_alive=0.2)
    loop = asyncio.get_running_loop()
    end = loop.time() + 0.6
    answered = 0
    while loop.time() < end:
        protocol.data_received(_GET)
        answered += 1
        await _until(_answers(transport, answered))
    assert not transport.closed
