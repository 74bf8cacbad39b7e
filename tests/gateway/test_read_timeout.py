"""Issue 8.16: a connection that trickles its headers or its body is closed after ``read_timeout``.

A raw socket sends half a request and then nothing: the gateway closes the connection (the read
returns end-of-file) instead of holding it forever. A call that takes longer than the read timeout
is not affected: its request arrived whole long before.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from tests.e2e.support import KEY_A, WAIT, gateway_folder
from tests.gateway.wire import LegacySession
from tests.harness import LOCALHOST, Proc, running_gateway

POLICY = {"version": "1", "default": "allow"}


def closed_by_gateway(gw: Proc, sent: bytes) -> bool:
    """Send ``sent`` and then nothing: whether the gateway closes the connection (bounded wait)."""
    with socket.create_connection((LOCALHOST, gw.port), timeout=WAIT) as sock:
        sock.sendall(sent)
        try:
            while sock.recv(4096):
                pass  # a response (e.g. 408) may come first; what matters is that the connection ends
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
        return True


def test_slow_headers_and_slow_bodies_are_cut_off(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, read_timeout="1s")
    with running_gateway(config) as gw:
        assert closed_by_gateway(gw, b"")  # connected, sent nothing
        assert closed_by_gateway(gw, b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
        assert closed_by_gateway(
            gw,
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"jsonrpc": ',
        )
        assert "did not arrive within 1s (read_timeout)" in gw.stderr()

        # A call that lasts longer than the read timeout is answered in full.
        with httpx.Client(headers={"Authorization": f"Bearer {KEY_A}"}, timeout=WAIT) as agent:
            session = LegacySession(agent, gw.url)
            slept = session.call("tools/call", {"name": "fx__sleep", "arguments": {"seconds": 2, "tag": "t"}})
            assert slept["result"].get("isError") is not True, slept


def _answered(sock: socket.socket) -> bytes:
    """One whole ``/healthz`` response off ``sock`` (headers and a content-length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line[15:]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_an_idle_keep_alive_connection_is_kept_and_its_next_slow_request_cut_off(tmp_path: Path) -> None:
    """The deadline is per request: idling between requests longer than the read timeout (but within
    keep-alive) is fine, and a later request that trickles is still cut off."""
    config = gateway_folder(tmp_path, POLICY, read_timeout="1s")
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with running_gateway(config) as gw, socket.create_connection((LOCALHOST, gw.port), timeout=WAIT) as sock:
        sock.sendall(request)
        assert _answered(sock).startswith(b"HTTP/1.1 200")
        time.sleep(2.5)  # the scenario itself: idle past the read timeout, within uvicorn's 5 s keep-alive
        sock.sendall(request)
        assert _answered(sock).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
        assert gw.stderr().count("did not arrive within 1s (read_timeout)") == 1
