"""``edge.leanpost``: ``POST /mcp`` on the lean cycle keeps HTTP/1.1's rules, over a real socket to
``portcullis serve``: pipelined requests answered in order, ``Expect: 100-continue``, a chunked request
body, the body size limit, ``Connection: close``, and the other paths still on uvicorn's cycle."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import FIXTURE_SERVER, LOCALHOST, Proc, allow_all_policy, running_gateway, stdio_server, write_config
from tests.waiting import SLOW_WAIT, wait_for

_HEAD = (
    "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder: Path = tmp_path_factory.mktemp("leanpost")
    config = write_config(
        folder / "portcullis.json",
        {"fx": stdio_server(FIXTURE_SERVER)},
        policy=str(allow_all_policy(folder)),
        max_body_bytes=4096,
    )
    with running_gateway(config) as proc:
        yield proc


def _body(rid: int, method: str, params: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}}).encode()


def _initialize(rid: int) -> bytes:
    params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    return _body(rid, "initialize", params)


def _request(body: bytes, extra: str = "") -> bytes:
    return (_HEAD + extra + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


class _Reader:
    """Reads whole HTTP responses (content-length or chunked) off one socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        self.buffer += chunk

    def _until(self, mark: bytes) -> bytes:
        while mark not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(mark)
        return head

    def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def response(self) -> tuple[int, dict[str, str], bytes]:
        head = self._until(b"\r\n\r\n").decode()
        status = int(head.split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:])}
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int(self._until(b"\r\n"), 16):
                body += self._exactly(size + 2)[:-2]
            self._exactly(2)
            return status, headers, body
        return status, headers, self._exactly(int(headers.get("content-length", "0")))


def _connect(proc: Proc) -> tuple[socket.socket, _Reader]:
    sock = socket.create_connection((LOCALHOST, proc.port), timeout=SLOW_WAIT)
    return sock, _Reader(sock)


def test_pipelined_posts_are_answered_in_order_on_one_connection(gateway: Proc) -> None:
    sock, reader = _connect(gateway)
    with sock:
        sock.sendall(_request(_initialize(1)))
        status, headers, body = reader.response()
        assert status == 200 and json.loads(body)["id"] == 1
        session = headers["mcp-session-id"]
        extra = f"Mcp-Session-Id: {session}\r\n"
        sock.sendall(b"".join(_request(_body(rid, "tools/list"), extra) for rid in (2, 3, 4)))
        answers = [reader.response() for _ in range(3)]
    assert [json.loads(b)["id"] for _, _, b in answers] == [2, 3, 4]
    assert all(s == 200 and h["content-type"] == "application/json" for s, h, _ in answers)
    assert all(json.loads(b)["result"]["tools"] for _, _, b in answers)


def test_expect_100_continue_is_answered_before_the_body_is_sent(gateway: Proc) -> None:
    sock, reader = _connect(gateway)
    body = _initialize(7)
    with sock:
        sock.sendall((_HEAD + f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n").encode())
        status, _, _ = reader.response()
        assert status == 100
        sock.sendall(body)
        status, _, answer = reader.response()
    assert status == 200 and json.loads(answer)["id"] == 7


def test_a_chunked_body_sent_in_pieces_is_read_whole(gateway: Proc) -> None:
    sock, reader = _connect(gateway)
    body = _initialize(9)
    with sock:
        sock.sendall((_HEAD + "Transfer-Encoding: chunked\r\n\r\n").encode())
        for i in range(0, len(body), 20):
            piece = body[i : i + 20]
            sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece))
        sock.sendall(b"0\r\n\r\n")
        status, _, answer = reader.response()
    assert status == 200 and json.loads(answer)["id"] == 9


def test_a_body_over_the_limit_is_refused_and_the_connection_serves_on(gateway: Proc) -> None:
    sock, reader = _connect(gateway)
    with sock:
        sock.sendall(_request(b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "pad": "' + b"x" * 5000 + b'"}'))
        status, _, answer = reader.response()
        assert status == 413 and "max_body_bytes" in json.loads(answer)["error"]["message"]
        sock.sendall(_request(_initialize(2)))
        status, _, answer = reader.response()
    assert status == 200 and json.loads(answer)["id"] == 2


def test_connection_close_is_honoured(gateway: Proc) -> None:
    sock, reader = _connect(gateway)
    with sock:
        sock.sendall(_request(_initialize(3), "Connection: close\r\n"))
        status, headers, _ = reader.response()
        assert status == 200 and headers.get("connection") == "close"
        with pytest.raises(ConnectionError):
            reader.response()


def test_other_paths_and_methods_keep_their_answers(gateway: Proc) -> None:
    sock, reader = _connect(gateway)
    with sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, _, body = reader.response()
        assert status == 200 and "servers" in json.loads(body)
        sock.sendall(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        status, headers, _ = reader.response()
        assert status == 405 and headers["allow"] == "POST"
        sock.sendall(_request(_initialize(4), "Origin: https://evil.example\r\n"))
        status, _, body = reader.response()
    assert status == 403 and "DNS rebinding" in json.loads(body)["error"]["message"]


def test_an_answer_with_a_session_id_is_written_whole_in_uvicorns_layout(gateway: Proc) -> None:
    sock, _ = _connect(gateway)
    with sock:
        sock.sendall(_request(_initialize(5)))
        raw = b""
        while b"\r\n\r\n" not in raw:
            raw += sock.recv(65536)
    head, _, _ = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"
    assert [line.split(b":")[0] for line in lines[1:]] == [b"content-type", b"mcp-session-id", b"content-length"]


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(gateway: Proc) -> None:
    sock, reader = _connect(gateway)
    with sock:
        sock.sendall(_request(_initialize(6)))
        status, _, _ = reader.response()
        assert status == 200
        with pytest.raises(ConnectionError):  # nothing more is sent: the gateway ends the connection
            reader.response()


def _call(sock: socket.socket, reader: _Reader, session: str, rid: int, name: str, args: dict[str, Any]) -> Any:
    body = _body(rid, "tools/call", {"name": name, "arguments": args})
    sock.sendall(_request(body, f"Mcp-Session-Id: {session}\r\n"))
    status, _, body = reader.response()
    assert status == 200
    return json.loads(body)["result"]


def test_a_client_that_goes_away_cancels_its_call(gateway: Proc) -> None:
    sock, reader = _connect(gateway)
    with sock:
        sock.sendall(_request(_initialize(1)))
        _, headers, _ = reader.response()
        session = headers["mcp-session-id"]
        fate = {"tag": "gone"}

        def now() -> str:
            return str(_call(sock, reader, session, 2, "fx__was_cancelled", fate)["content"][0]["text"])

        with socket.create_connection((LOCALHOST, gateway.port), timeout=SLOW_WAIT) as leaving:
            body = _body(3, "tools/call", {"name": "fx__sleep", "arguments": {"seconds": 60, "tag": "gone"}})
            leaving.sendall(_request(body, f"Mcp-Session-Id: {session}\r\n"))
            wait_for(lambda: now() == "running" or None, "the call to start")
        assert wait_for(lambda: now() == "cancelled" or None, "the call to be cancelled")
