"""What the Streamable HTTP and SSE transport tests share: the fixture servers they run, a recorder of
what a transport hands on, and helpers that build JSON-RPC messages and read answers."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import pytest

from portcullis.config.model import ServerConfig, TransportKind
from portcullis.protocol import CLIENT_CAPABILITIES_KEY, MODERN_VERSION, PROTOCOL_VERSION_KEY
from portcullis.upstream.session import UpstreamSession
from portcullis.upstream.transports.base import Message, Transport
from tests.upstream.servers.launch import RunningServer, start_everything, start_fixture
from tests.waiting import until

MODERN_META = {PROTOCOL_VERSION_KEY: MODERN_VERSION, CLIENT_CAPABILITIES_KEY: {}}
TransportT = TypeVar("TransportT", bound=Transport)
_ids = itertools.count(1)


# -- servers ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_server() -> Iterator[RunningServer]:
    """``servers/http_fixture.py`` over Streamable HTTP (SSE answers)."""
    server = start_fixture("streamable")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def json_server() -> Iterator[RunningServer]:
    """``servers/http_fixture.py`` over Streamable HTTP answering plain JSON."""
    server = start_fixture("json")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sse_server() -> Iterator[RunningServer]:
    """``servers/http_fixture.py`` over HTTP+SSE (2024-11-05)."""
    server = start_fixture("sse")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def everything_http(everything_server: list[str]) -> Iterator[RunningServer]:
    """The npm server-everything over Streamable HTTP."""
    server = start_everything(everything_server, "streamableHttp")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def everything_sse(everything_server: list[str]) -> Iterator[RunningServer]:
    """The npm server-everything over HTTP+SSE."""
    server = start_everything(everything_server, "sse")
    yield server
    server.stop()


# -- transports ------------------------------------------------------------------------------------
class Recorder:
    """Collects what the transport hands to ``on_message``; answers elicitations with ``answer`` when set."""

    def __init__(self, answer: str | None = None) -> None:
        self.messages: list[tuple[Message, int | None]] = []
        self.closed: list[str] = []
        self.transport: Transport | None = None
        self.answer = answer

    async def on_message(self, msg: Message, related_id: int | None) -> None:
        self.messages.append((msg, related_id))
        if msg.get("method") == "elicitation/create" and self.answer is not None and self.transport is not None:
            await self.transport.respond(
                {"jsonrpc": "2.0", "id": msg["id"], "result": {"action": "accept", "content": {"answer": self.answer}}}
            )

    def methods(self) -> list[tuple[str, int | None]]:
        return [(str(m.get("method")), rid) for m, rid in self.messages]


async def open_recorded(transport: TransportT, answer: str | None = None) -> tuple[TransportT, Recorder]:
    """``transport`` opened, with a ``Recorder`` (answering elicitations with ``answer``) on its callbacks."""
    rec = Recorder(answer)
    rec.transport = transport
    transport.on_message = rec.on_message
    transport.on_close = rec.closed.append
    await transport.open()
    return transport, rec


async def handshake(
    transport: Transport, capabilities: dict[str, Any] | None = None, *, version: str = "2025-11-25"
) -> Message:
    """The legacy handshake, by hand: initialize (offering ``version``), then notifications/initialized."""
    resp = await transport.request(
        rpc(
            "initialize",
            {
                "protocolVersion": version,
                "capabilities": capabilities or {"elicitation": {}},
                "clientInfo": {"name": "test", "version": "1"},
            },
        ),
        10,
    )
    transport.set_protocol_version(resp["result"]["protocolVersion"])
    await transport.notify({"jsonrpc": "2.0", "method": "notifications/initialized"})
    return resp


@contextlib.asynccontextmanager
async def started_session(name: str, transport: TransportKind, url: str) -> AsyncIterator[UpstreamSession]:
    """An ``UpstreamSession`` (10 s timeout) to the server at ``url``, started; closed on the way out."""
    session = UpstreamSession(ServerConfig(name=name, transport=transport, url=url, timeout=10))
    await session.start()
    try:
        yield session
    finally:
        await session.close()


# -- messages ---------------------------------------------------------------------------------------
def rpc(method: str, params: dict[str, Any] | None = None, *, modern: bool = False) -> Message:
    """A JSON-RPC request with a fresh id; ``modern`` adds the 2026-07-28 ``_meta``."""
    msg: Message = {"jsonrpc": "2.0", "id": next(_ids), "method": method}
    if params is not None or modern:
        msg["params"] = dict(params or {})
    if modern:
        msg["params"]["_meta"] = {**MODERN_META, **msg["params"].get("_meta", {})}
    return msg


def call(name: str, arguments: dict[str, Any], meta: dict[str, Any] | None = None, *, modern: bool = False) -> Message:
    """A ``tools/call`` request, with ``meta`` as its ``_meta`` when given."""
    params: dict[str, Any] = {"name": name, "arguments": arguments}
    if meta:
        params["_meta"] = meta
    return rpc("tools/call", params, modern=modern)


def text_of(resp: Message) -> str:
    """The text of the first content block of a ``tools/call`` answer."""
    return str(resp["result"]["content"][0]["text"])


async def eventually(check: Any, what: str) -> None:
    """Poll ``check()`` (run in a thread: it may block) until it is true, under the shared deadline."""

    async def in_thread() -> Any:
        return await asyncio.to_thread(check)

    await until(in_thread, what)
