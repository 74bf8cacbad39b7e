"""OpenTelemetry spans of a running ``portcullis serve``, received by an OTLP/HTTP endpoint in this test.

An allowed, a denied and a held call each leave one SERVER span with the MCP semantic-convention
attributes and Portcullis's own (decision, rule, outcome, limit, approval); the client's
``traceparent`` is the span's parent; the upstream receives the span's own context in
``params._meta``; the call's arguments appear nowhere in what is exported. With no endpoint set,
tracing stays off.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from portcullis import tracing
from tests.gateway.proc import fixture
from tests.harness import legacy_client, running_gateway
from tests.waiting import wait_for

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_SPAN = "b7ad6b7169203331"
SECRET = "do-not-export-this-argument"
POLICY = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__meta_seen": {"limits": [{"counter": "seen", "window": "minute", "max": 1000, "scope": "grant"}]},
        "fx__echo": {"action": "deny", "reason": "echo is off today"},
        "fx__pid": {"action": "require_approval", "reason": "pid needs a person"},
    },
}


class _Receiver(http.server.ThreadingHTTPServer):
    spans: list[Any]
    bodies: list[bytes]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.bodies.append(body)
        for resource_spans in request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                self.server.spans.extend(scope_spans.spans)
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    """An OTLP/HTTP (protobuf) trace receiver on 127.0.0.1, keeping every span it gets."""
    server = _Receiver(("127.0.0.1", 0), _Handler)
    server.spans, server.bodies = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _attributes(span: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in span.attributes:
        value = kv.value
        out[kv.key] = getattr(value, value.WhichOneof("value"))
    return out


def _config(folder: Path) -> Path:
    (folder / "policy.json").write_text(json.dumps(POLICY))
    config = {
        "servers": {"fx": fixture("fx")},
        "policy": "policy.json",
        "audit": f"sqlite:///{folder / 'audit.db'}",
        "approvals": {"timeout": "0.3s"},
    }
    path = folder / "portcullis.json"
    path.write_text(json.dumps(config))
    return path


async def test_spans_for_an_allowed_a_denied_and_a_held_call(tmp_path: Path, receiver: _Receiver) -> None:
    endpoint = f"http://127.0.0.1:{receiver.server_address[1]}/v1/traces"
    env = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    with running_gateway(_config(tmp_path), env=env) as gw:
        async with legacy_client(gw.url) as client:
            seen = await client.call_tool(
                "fx__meta_seen",
                {"note": SECRET},
                meta=cast(Any, {"traceparent": f"00-{TRACE_ID}-{PARENT_SPAN}-01"}),
            )
            denied = await client.call_tool("fx__echo", {"text": SECRET})
            held = await client.call_tool("fx__pid", {})
        assert not seen.is_error and denied.is_error and held.is_error

        def calls() -> dict[str, Any]:
            named = {str(_attributes(s).get("gen_ai.tool.name")): s for s in receiver.spans}
            return named if {"fx__meta_seen", "fx__echo", "fx__pid"} <= named.keys() else {}

        spans = wait_for(calls, timeout=30, what="the three call spans at the OTLP receiver")
        assert f"portcullis: tracing on: spans go over OTLP/HTTP to {endpoint}" in gw.stderr()

    allowed = spans["fx__meta_seen"]
    assert allowed.name == "tools/call fx__meta_seen"
    assert allowed.kind == allowed.SPAN_KIND_SERVER
    assert allowed.trace_id.hex() == TRACE_ID and allowed.parent_span_id.hex() == PARENT_SPAN
    assert allowed.end_time_unix_nano > allowed.start_time_unix_nano
    attrs = _attributes(allowed)
    assert attrs["mcp.method.name"] == "tools/call"
    assert attrs["gen_ai.operation.name"] == "execute_tool"
    assert attrs["mcp.protocol.version"] == "2025-11-25"
    assert attrs["jsonrpc.request.id"] and len(attrs["mcp.session.id"]) == 16  # the label, never the session id
    assert attrs["portcullis.decision"] == "allow"
    assert attrs["portcullis.rule"] == "$.tools.fx__meta_seen"
    assert attrs["portcullis.outcome"] == "ok"
    assert attrs["portcullis.server"] == "fx"

    # The upstream got the gateway span's own context (same trace, the span as parent).
    meta = seen.structured_content["meta"] if seen.structured_content else {}
    assert meta["traceparent"] == f"00-{TRACE_ID}-{allowed.span_id.hex()}-01"

    denied_attrs = _attributes(spans["fx__echo"])
    assert denied_attrs["portcullis.decision"] == "deny"
    assert denied_attrs["portcullis.rule"] == "$.tools.fx__echo"
    assert denied_attrs["portcullis.outcome"] == "denied"
    assert denied_attrs["error.type"] == "tool_error"

    held_attrs = _attributes(spans["fx__pid"])
    assert held_attrs["portcullis.decision"] == "require_approval"
    assert held_attrs["portcullis.outcome"] == "pending"
    assert held_attrs["portcullis.approval.id"]

    # Arguments are never exported.
    assert not any(SECRET.encode() in body for body in receiver.bodies)
    # Other requests have spans too (initialize at least), none of them children of the call spans.
    methods = {_attributes(s)["mcp.method.name"] for s in receiver.spans}
    assert "initialize" in methods


def test_the_endpoint_said_at_start_is_where_the_exporter_sends() -> None:
    assert tracing.endpoint({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}) == (
        "http://c:4318/v1/traces"
    )
    assert tracing.endpoint({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/"}) == "http://c:4318/v1/traces"


def test_off_without_an_endpoint() -> None:
    assert not tracing.wanted({})
    assert not tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "true"})
    assert not tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_TRACES_EXPORTER": "none"})
    assert tracing.wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://x"})
    assert not tracing.configure({}) and tracing.tracer is None
    params: dict[str, Any] = {"name": "t", "_meta": {"k": 1}}
    tracing.carry(params)  # off: nothing added, the client's _meta untouched
    assert params == {"name": "t", "_meta": {"k": 1}}
