"""``/mcp`` on the wire, from raw HTTP: status codes, JSON-RPC errors and headers of both eras.

One real ``portcullis serve`` (a subprocess) in front of the raw fixture upstream serves the module.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from portcullis.protocol import SERVER_INFO_KEY
from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.gateway.wire import ACCEPT, LegacySession, answer, modern_request, post_modern, sse_messages

MAX_BODY = 4096
PAGE = 10  # small pages, so that lists here need cursors (the default puts every tool in one page)


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(
        tmp_path_factory.mktemp("wire"),
        {"fx": fixture("fx", tools=5), "other": fixture("other")},
        max_body_bytes=MAX_BODY,
        allowed_origins=["https://app.example.com"],
        list_page_size=PAGE,
    ) as gateway:
        yield gateway


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _error(resp: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    err: dict[str, Any] = answer(resp)["error"]
    assert err["code"] == code, err
    return err


# -- bad input ---------------------------------------------------------------------------------
def test_malformed_json_is_a_parse_error(gw: Gateway, http: httpx.Client) -> None:
    resp = http.post(gw.url, content=b'{"jsonrpc": "2.0", "id": 1, "method": ', headers={"accept": ACCEPT})
    err = _error(resp, 400, -32700)
    assert "not valid JSON" in err["message"]


def test_a_batch_is_refused_as_an_invalid_request(gw: Gateway, http: httpx.Client) -> None:
    body, headers = modern_request("tools/list")
    resp = http.post(gw.url, json=[body, body], headers=headers)
    err = _error(resp, 400, -32600)
    assert "batches are not supported" in err["message"]


def test_wrong_jsonrpc_shapes_are_invalid_requests(gw: Gateway, http: httpx.Client) -> None:
    for shape in ({"id": 1, "method": "tools/list"}, "just a string", 42, {"jsonrpc": "1.0", "id": 1}):
        resp = http.post(gw.url, json=shape, headers={"accept": ACCEPT})
        _error(resp, 400, -32600)


def test_a_body_over_the_limit_is_413_naming_the_setting(gw: Gateway, http: httpx.Client) -> None:
    body, headers = modern_request("tools/call", {"name": "fx__echo", "arguments": {"text": "x" * MAX_BODY}})
    resp = http.post(gw.url, json=body, headers=headers)
    err = _error(resp, 413, -32600)
    assert "max_body_bytes" in err["message"] and str(MAX_BODY) in err["message"]
    # a body just under the limit is fine
    body, headers = modern_request("tools/call", {"name": "fx__echo", "arguments": {"text": "y" * 3000}})
    ok = http.post(gw.url, json=body, headers=headers)
    assert ok.status_code == 200 and answer(ok)["result"]["structuredContent"] == {"text": "y" * 3000}


def test_a_chunked_body_over_the_limit_is_413(gw: Gateway, http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"'
        for _ in range(10):
            yield b"z" * 1000
        yield b'"}}'

    resp = http.post(gw.url, content=chunks(), headers={"accept": ACCEPT, "content-type": "application/json"})
    _error(resp, 413, -32600)


def test_params_that_are_not_an_object_are_invalid_params(gw: Gateway, http: httpx.Client) -> None:
    session = LegacySession(http, gw.url)
    resp = http.post(
        gw.url, json={"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": [1]}, headers=session.headers()
    )
    err = answer(resp)["error"]
    assert err["code"] == -32602 and "must be an object" in err["message"]


# -- DNS rebinding -----------------------------------------------------------------------------
@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1.evil.example", "null"])
def test_a_foreign_origin_is_403(gw: Gateway, http: httpx.Client, origin: str) -> None:
    body, headers = modern_request("tools/list")
    resp = http.post(gw.url, json=body, headers={**headers, "origin": origin})
    err = _error(resp, 403, -32600)
    assert "allowed_origins" in err["message"]


def test_a_foreign_host_header_is_403(gw: Gateway, http: httpx.Client) -> None:
    body, headers = modern_request("tools/list")
    resp = http.post(gw.url, json=body, headers={**headers, "host": f"evil.example:{gw.port}"})
    _error(resp, 403, -32600)


@pytest.mark.parametrize("origin", [None, "http://localhost:6274", "http://127.0.0.1:3000", "https://app.example.com"])
def test_loopback_and_configured_origins_are_served(gw: Gateway, http: httpx.Client, origin: str | None) -> None:
    body, headers = modern_request("tools/list")
    if origin is not None:
        headers["origin"] = origin
    resp = http.post(gw.url, json=body, headers=headers)
    assert resp.status_code == 200 and "result" in answer(resp)


# -- modern era (2026-07-28) ---------------------------------------------------------------------
def test_modern_results_carry_the_modern_fields(gw: Gateway, http: httpx.Client) -> None:
    resp = post_modern(http, gw.url, "tools/list")
    assert resp.status_code == 200
    assert "mcp-session-id" not in resp.headers
    result = answer(resp)["result"]
    assert result["resultType"] == "complete"
    assert result["ttlMs"] >= 0 and result["cacheScope"] in ("private", "public")
    assert result["_meta"][SERVER_INFO_KEY]["name"] == "portcullis"


def test_server_discover(gw: Gateway, http: httpx.Client) -> None:
    result = answer(post_modern(http, gw.url, "server/discover"))["result"]
    assert "2026-07-28" in result["supportedVersions"] and "2025-11-25" in result["supportedVersions"]
    assert result["capabilities"]["tools"]["listChanged"] is True
    assert "fx" in result["instructions"]


@pytest.mark.parametrize(
    ("override", "what"),
    [
        ({"mcp-protocol-version": "2025-11-25"}, "MCP-Protocol-Version"),
        ({"mcp-protocol-version": None}, "MCP-Protocol-Version"),
        ({"mcp-method": "tools/list"}, "Mcp-Method"),
        ({"mcp-method": None}, "Mcp-Method"),
        ({"mcp-name": "fx__other_tool"}, "Mcp-Name"),
        ({"mcp-name": None}, "Mcp-Name"),
    ],
)
def test_headers_that_disagree_with_the_body_are_32020(
    gw: Gateway, http: httpx.Client, override: dict[str, str | None], what: str
) -> None:
    resp = post_modern(http, gw.url, "tools/call", {"name": "fx__echo", "arguments": {"text": "x"}}, headers=override)
    err = _error(resp, 400, -32020)
    assert what in err["message"]


def test_a_base64_mcp_name_header_is_decoded(gw: Gateway, http: httpx.Client) -> None:
    # A resource URI with non-ASCII characters travels base64-encoded in Mcp-Name.
    resp = post_modern(http, gw.url, "resources/read", {"uri": "fx://fx/item/café"})
    assert resp.status_code == 200, resp.text
    assert answer(resp)["result"]["contents"][0]["text"] == "fx:fx://fx/item/café"


def test_missing_meta_without_a_session_is_400_32602(gw: Gateway, http: httpx.Client) -> None:
    resp = http.post(
        gw.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"accept": ACCEPT, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list"},
    )
    err = _error(resp, 400, -32602)
    assert "_meta" in err["message"] and "initialize" in err["message"]


def test_missing_client_capabilities_is_400_32602(gw: Gateway, http: httpx.Client) -> None:
    body, headers = modern_request("tools/list")
    del body["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"]
    err = _error(http.post(gw.url, json=body, headers=headers), 400, -32602)
    assert "clientCapabilities" in err["message"]


def test_an_unsupported_version_is_32022_listing_the_supported(gw: Gateway, http: httpx.Client) -> None:
    body, headers = modern_request("tools/list")
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2099-01-01"
    headers["mcp-protocol-version"] = "2099-01-01"
    err = _error(http.post(gw.url, json=body, headers=headers), 400, -32022)
    assert "2026-07-28" in err["data"]["supported"]


def test_an_unknown_method_is_404_32601_in_the_modern_era(gw: Gateway, http: httpx.Client) -> None:
    err = _error(post_modern(http, gw.url, "tools/frobnicate"), 404, -32601)
    assert "tools/frobnicate" in err["message"]


def test_get_and_delete_without_a_session_are_405_saying_what_to_do(gw: Gateway, http: httpx.Client) -> None:
    got = http.get(gw.url, headers={"accept": "text/event-stream"})
    err = _error(got, 405, -32600)
    assert got.headers["allow"] == "POST" and got.headers["content-type"] == "application/json"
    assert "GET /mcp opens the stream of server messages of a session" in err["message"]
    assert "Mcp-Session-Id" in err["message"] and "subscriptions/listen" in err["message"], err
    err = _error(http.delete(gw.url), 405, -32600)
    assert "DELETE /mcp ends a session" in err["message"] and "Mcp-Session-Id" in err["message"], err
    err = _error(http.put(gw.url, json={}), 405, -32600)
    assert "/mcp takes POST" in err["message"], err


def test_an_unknown_tool_is_32602(gw: Gateway, http: httpx.Client) -> None:
    for name in ("nosuchserver__echo", "no_separator"):
        resp = post_modern(http, gw.url, "tools/call", {"name": name, "arguments": {}})
        err = answer(resp)["error"]
        assert err["code"] == -32602 and "Unknown tool" in err["message"] and name in err["message"]
    resp = post_modern(http, gw.url, "tools/call", {"name": "fx__echo", "arguments": [1]})
    assert answer(resp)["error"]["code"] == -32602


def test_a_tool_its_server_does_not_list_is_never_forwarded(gw: Gateway, http: httpx.Client) -> None:
    # The catalogue knows the server's current listing: a tool missing from it is unknown (-32602),
    # answered by the gateway without asking the upstream.
    reply = answer(post_modern(http, gw.url, "tools/call", {"name": "fx__nope", "arguments": {}}))
    assert reply["error"]["code"] == -32602 and "Unknown tool: fx__nope" in reply["error"]["message"]


def test_meta_annotations_and_output_schema_pass_through_both_ways(gw: Gateway, http: httpx.Client) -> None:
    tools = answer(post_modern(http, gw.url, "tools/list"))["result"]["tools"]
    echo = next(t for t in tools if t["name"] == "fx__echo")
    assert echo["_meta"] == {"fixture/tool": "fx"}
    assert echo["annotations"] == {"readOnlyHint": True, "openWorldHint": False, "title": "Echo"}
    assert echo["outputSchema"]["required"] == ["text"] and echo["title"] == "Echo"
    body, headers = modern_request(
        "tools/call", {"name": "fx__meta_seen", "arguments": {}}, meta={"app.example/trace": "t-1"}
    )
    seen = answer(http.post(gw.url, json=body, headers=headers))["result"]["structuredContent"]["meta"]
    assert seen["app.example/trace"] == "t-1"  # the client's own _meta reaches the upstream
    called = answer(post_modern(http, gw.url, "tools/call", {"name": "fx__echo", "arguments": {"text": "m"}}))
    assert called["result"]["_meta"]["fixture/echoed"] is True  # and the upstream's reaches the client


def test_an_unknown_method_in_a_legacy_session_is_32601(gw: Gateway, http: httpx.Client) -> None:
    session = LegacySession(http, gw.url)
    err = session.call("tools/frobnicate")["error"]
    assert err["code"] == -32601 and "tools/frobnicate" in err["message"]


def test_a_notification_is_accepted_with_202(gw: Gateway, http: httpx.Client) -> None:
    body, headers = modern_request("notifications/cancelled", {"requestId": 12345})
    del body["id"]
    headers["mcp-method"] = "notifications/cancelled"
    assert http.post(gw.url, json=body, headers=headers).status_code == 202
    session = LegacySession(http, gw.url)
    for odd in ({"requestId": {"not": "hashable"}}, {"progressToken": [1, 2], "progress": 1}, None):
        method = "notifications/progress" if odd and "progressToken" in odd else "notifications/cancelled"
        note = {"jsonrpc": "2.0", "method": method, **({"params": odd} if odd is not None else {})}
        assert http.post(gw.url, json=note, headers=session.headers()).status_code == 202
    assert session.call("tools/list")["result"]["tools"]


# -- legacy era --------------------------------------------------------------------------------
def test_legacy_session_lifecycle(gw: Gateway, http: httpx.Client) -> None:
    session = LegacySession(http, gw.url)
    assert session.init["result"]["protocolVersion"] == "2025-11-25"
    assert session.init["result"]["serverInfo"]["name"] == "portcullis"
    tools = session.call("tools/list")["result"]
    assert "resultType" not in tools and "ttlMs" not in tools  # modern-only fields are not sent to legacy clients
    assert session.delete().status_code == 200
    gone = session.post("tools/list")
    err = _error(gone, 404, -32600)
    assert "initialize" in err["message"]
    assert http.get(gw.url, headers={**session.headers(), "accept": "text/event-stream"}).status_code == 404
    assert session.delete().status_code == 404


def test_delete_ends_the_sessions_get_stream(gw: Gateway) -> None:
    with httpx.Client(timeout=30) as http:
        session = LegacySession(http, gw.url)
        ended = threading.Event()
        opened = threading.Event()

        def read_stream() -> None:
            headers = {**session.headers(), "accept": "text/event-stream"}
            with httpx.Client(timeout=30) as stream_http, stream_http.stream("GET", gw.url, headers=headers) as resp:
                opened.set()
                for _ in resp.iter_bytes():
                    pass
            ended.set()

        reader = threading.Thread(target=read_stream, daemon=True)
        reader.start()
        assert opened.wait(20)
        assert session.delete().status_code == 200
        assert ended.wait(20), "the GET stream stayed open after DELETE"


def test_an_unsupported_protocol_version_header_in_a_legacy_session_is_400(gw: Gateway, http: httpx.Client) -> None:
    session = LegacySession(http, gw.url)
    resp = http.post(
        gw.url,
        json={"jsonrpc": "2.0", "id": 5, "method": "tools/list"},
        headers={**session.headers(), "mcp-protocol-version": "2099-01-01"},
    )
    err = _error(resp, 400, -32600)
    assert "2099-01-01" in err["message"] and "2025-11-25" in err["data"]["supported"]
    assert session.call("tools/list")["result"]["tools"]  # the right header still works


def test_legacy_request_without_a_session_id_is_400(gw: Gateway, http: httpx.Client) -> None:
    resp = http.post(
        gw.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"accept": ACCEPT, "mcp-protocol-version": "2025-11-25"},
    )
    err = _error(resp, 400, -32600)
    assert "Mcp-Session-Id" in err["message"]


def test_an_unknown_session_id_is_404(gw: Gateway, http: httpx.Client) -> None:
    resp = http.post(
        gw.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"accept": ACCEPT, "mcp-session-id": "deadbeef"},
    )
    _error(resp, 404, -32600)


def test_initialize_with_an_unknown_version_gets_the_latest_legacy(gw: Gateway, http: httpx.Client) -> None:
    resp = http.post(
        gw.url,
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2030-01-01",
                "capabilities": {},
                "clientInfo": {"name": "x", "version": "0"},
            },
        },
        headers={"accept": ACCEPT},
    )
    assert answer(resp)["result"]["protocolVersion"] == "2025-11-25"


def test_legacy_get_stream_receives_list_changed(gw: Gateway) -> None:
    with httpx.Client(timeout=30) as http:
        session = LegacySession(http, gw.url)
        received: list[dict[str, Any]] = []
        opened = threading.Event()
        got = threading.Event()

        def read_stream() -> None:
            headers = {**session.headers(), "accept": "text/event-stream"}
            with httpx.Client(timeout=30) as stream_http, stream_http.stream("GET", gw.url, headers=headers) as resp:
                assert resp.status_code == 200
                assert resp.headers["content-type"].startswith("text/event-stream")
                opened.set()
                buffer = ""
                for chunk in resp.iter_text():
                    buffer += chunk
                    received.extend(sse_messages(buffer.rsplit("\n\n", 1)[0] + "\n\n") if "\n\n" in buffer else [])
                    buffer = buffer.rsplit("\n\n", 1)[1] if "\n\n" in buffer else buffer
                    if any(m.get("method") == "notifications/tools/list_changed" for m in received):
                        got.set()
                        return

        reader = threading.Thread(target=read_stream, daemon=True)
        reader.start()
        assert opened.wait(20)
        # a second GET stream on the same session is refused while this one is open
        second = http.get(gw.url, headers={**session.headers(), "accept": "text/event-stream"})
        assert second.status_code == 409
        result = session.call("tools/call", {"name": "other__add_tool", "arguments": {"name": "brand_new"}})
        assert result["result"]["content"][0]["text"] == "added"
        assert got.wait(20), f"no list_changed on the GET stream; got {received}"
        reader.join(20)
        names = _all_tool_names(session)
        assert "other__echo" in names
        assert "other__brand_new" not in names  # new, so not listed to agents until a person approves it
        session.delete()


def _all_tool_names(session: LegacySession) -> list[str]:
    names: list[str] = []
    cursor: str | None = None
    for _ in range(50):
        result = session.call("tools/list", {"cursor": cursor} if cursor else None)["result"]
        names += [t["name"] for t in result["tools"]]
        cursor = result.get("nextCursor")
        if not cursor:
            return names
    raise AssertionError("tools/list did not end")


# -- pagination --------------------------------------------------------------------------------
def test_tools_list_pages_with_opaque_gateway_cursors(gw: Gateway, http: httpx.Client) -> None:
    pages: list[list[str]] = []
    cursors: list[str] = []
    cursor: str | None = None
    for _ in range(50):
        result = answer(post_modern(http, gw.url, "tools/list", {"cursor": cursor} if cursor else None))["result"]
        pages.append([t["name"] for t in result["tools"]])
        cursor = result.get("nextCursor")
        if not cursor:
            break
        cursors.append(cursor)
    names = [n for page in pages for n in page]
    assert len(pages) >= 4 and all(len(page) == PAGE for page in pages[:-1])  # fx's 21 tools, then other's 16
    assert [n for n in names if re.fullmatch(r"fx__t\d{3}", n)] == [f"fx__t{i:03d}" for i in range(5)]
    assert len(names) == len(set(names))
    assert all(n.startswith(("fx__", "other__")) for n in names)
    assert "other__echo" in names
    for c in cursors:  # the upstream's own cursors ("p13") never leak
        assert not c.startswith("p") or len(c) > 10


@pytest.mark.parametrize("cursor", ["p13", "garbage!!", "", "eyJhIjoxfQ"])
def test_a_forged_cursor_is_32602(gw: Gateway, http: httpx.Client, cursor: str) -> None:
    err = answer(post_modern(http, gw.url, "tools/list", {"cursor": cursor}))["error"]
    assert err["code"] == -32602 and "cursor" in err["message"].lower()


def test_a_tampered_or_misused_cursor_is_32602(gw: Gateway, http: httpx.Client) -> None:
    cursor = answer(post_modern(http, gw.url, "tools/list"))["result"]["nextCursor"]
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    assert answer(post_modern(http, gw.url, "tools/list", {"cursor": flipped}))["error"]["code"] == -32602
    err = answer(post_modern(http, gw.url, "prompts/list", {"cursor": cursor}))["error"]
    assert err["code"] == -32602
    session = LegacySession(http, gw.url)
    assert session.call("tools/list", {"cursor": "p13"})["error"]["code"] == -32602
    assert session.call("tools/list", {"cursor": cursor})["result"]["tools"]  # a real cursor works in either era


def test_healthz_reports_every_upstream(gw: Gateway) -> None:
    health = gw.health()
    assert health["servers"]["fx"]["state"] == "ready"
    assert health["servers"]["fx"]["era"] == "modern"
    assert json.dumps(health)  # plain JSON
