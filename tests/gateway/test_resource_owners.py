"""Resource URIs belong to the server that listed them, per grant, through a real ``portcullis serve``.

Servers ``a`` and ``b`` both list ``fx://shared/static`` (and the template ``fx://shared/item/{id}``);
``c`` lists its own URIs. Each answers a read with ``<its name>:<uri>``, so a test can tell whose
content it got. The key ``KEY_A`` reaches ``a`` and ``c``, ``KEY_ALL`` reaches every server.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.gateway.wire import LegacySession, answer, post_modern, sse_messages

KEY_A = "pc_test_key_reaching_a_and_c_0001"
KEY_ALL = "pc_test_key_reaching_everything_01"
SHARED = "fx://shared/static"
_WAIT = 30.0


def _grant(name: str, key: str, servers: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "key_sha256": hashlib.sha256(key.encode()).hexdigest(),
        "servers": servers,
        "policy": "allow-all.json",
    }


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    servers = {
        "a": fixture("a", era="legacy", uri_host="shared"),
        "b": fixture("b", era="legacy", uri_host="shared"),
        "c": fixture("c", era="legacy"),
    }
    grants = [_grant("a-and-c", KEY_A, ["a", "c"]), _grant("everything", KEY_ALL, ["*"])]
    with running_gateway(tmp_path_factory.mktemp("owners"), servers, grants=grants) as gateway:
        yield gateway


@contextlib.contextmanager
def _http(key: str) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30, headers={"authorization": f"Bearer {key}"}) as http:
        yield http


def _rpc(gw: Gateway, key: str, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    with _http(key) as http:
        return answer(post_modern(http, gw.url, method, params))


def test_a_uri_two_reachable_servers_list_is_left_out_flagged_and_never_served(gw: Gateway) -> None:
    listed = [r["uri"] for r in _rpc(gw, KEY_ALL, "resources/list")["result"]["resources"]]
    assert listed == ["fx://c/static"]  # a's and b's shared URI is left out, not shown twice
    templates = [t["uriTemplate"] for t in _rpc(gw, KEY_ALL, "resources/templates/list")["result"]["resourceTemplates"]]
    assert templates == ["fx://c/item/{id}"]
    log = gw.log()
    assert f"servers 'a' and 'b' both list the resource URI {SHARED}" in log
    assert "servers 'a' and 'b' both list the resource template fx://shared/item/{id}" in log
    for uri in (SHARED, "fx://shared/item/7"):  # listed, or matching a template both list
        err = _rpc(gw, KEY_ALL, "resources/read", {"uri": uri})["error"]
        assert err["code"] == -32602, err
        assert "listed by servers 'a' and 'b'" in err["message"] and "does not guess" in err["message"]
        assert err["data"]["servers"] == ["a", "b"]
    assert (
        _rpc(gw, KEY_ALL, "resources/read", {"uri": "fx://c/item/3"})["result"]["contents"][0]["text"]
        == "c:fx://c/item/3"
    )


def test_for_a_grant_that_reaches_one_of_them_the_uri_is_that_servers(gw: Gateway) -> None:
    listed = [r["uri"] for r in _rpc(gw, KEY_A, "resources/list")["result"]["resources"]]
    assert listed == [SHARED, "fx://c/static"]
    for uri in (SHARED, "fx://shared/item/9"):
        assert _rpc(gw, KEY_A, "resources/read", {"uri": uri})["result"]["contents"][0]["text"] == f"a:{uri}"


def test_a_uri_no_reachable_server_lists_is_not_found_and_not_tried_on_each_server(gw: Gateway) -> None:
    for key, uri in ((KEY_ALL, "fx://nowhere/static"), (KEY_A, "fx://b/static")):
        err = _rpc(gw, key, "resources/read", {"uri": uri})["error"]
        assert err["code"] == -32602 and "no server this key reaches lists it" in err["message"], err


class _Stream:
    """A legacy session's GET stream, read in a thread (until the session is deleted): every message
    lands in ``messages``."""

    def __init__(self, http: httpx.Client, session: LegacySession) -> None:
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.opened = threading.Event()
        self._headers = {
            **session.headers(),
            "accept": "text/event-stream",
            "authorization": http.headers["authorization"],
        }
        self._url = session.url
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self.opened.wait(_WAIT)

    def _read(self) -> None:
        with httpx.Client(timeout=None) as http, http.stream("GET", self._url, headers=self._headers) as resp:
            self.opened.set()
            buffer = ""
            for chunk in resp.iter_text():
                buffer += chunk
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    for msg in sse_messages(block + "\n\n"):
                        self.messages.put(msg)

    def next(self) -> dict[str, Any]:
        return self.messages.get(timeout=_WAIT)


def test_notifications_reach_only_sessions_whose_grant_reaches_the_sender(gw: Gateway) -> None:
    with _http(KEY_A) as http_a, _http(KEY_ALL) as http_all:
        session = LegacySession(http_a, gw.url)
        stream = _Stream(http_a, session)
        assert session.call("resources/subscribe", {"uri": SHARED})["result"] == {}  # routed to a, its owner
        other = LegacySession(http_all, gw.url)
        # b, which this key does not reach, announces a change of its tools and an update of the shared URI
        # (unasked: nobody subscribed at b). Neither may reach the session.
        for name, arguments in (("b__add_tool", {"name": "late"}), ("b__touch", {"uri": SHARED, "always": True})):
            result = other.call("tools/call", {"name": name, "arguments": arguments})
            assert result["result"]["isError"] is False, result
        # Then a, which it reaches and which owns the URI for it, updates it: that is the first thing it hears.
        touched = other.call("tools/call", {"name": "a__touch", "arguments": {"uri": SHARED}})
        assert touched["result"]["isError"] is False, touched
        first = stream.next()
        assert first == {"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": SHARED}}
        # and a's list_changed reaches it too
        assert other.call("tools/call", {"name": "a__add_tool", "arguments": {"name": "later"}})["result"]
        assert stream.next()["method"] == "notifications/tools/list_changed"
        assert stream.messages.empty()
        session.delete()
        other.delete()
