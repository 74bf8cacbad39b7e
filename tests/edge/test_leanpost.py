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
from tests.waiting import SLOW_WAIT

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
