"""OpenTelemetry spans for the requests the gateway answers, off unless an OTLP endpoint is configured.

One span per client request (kind SERVER), named and attributed after the OpenTelemetry semantic
conventions for MCP: ``mcp.method.name``, ``gen_ai.tool.name`` and ``gen_ai.operation.name`` for a
``tools/call``, ``jsonrpc.request.id``, ``mcp.session.id`` (the session's label, a digest: the id itself
is a bearer secret), ``mcp.protocol.version``, ``error.type``; the span's own start and end give the
duration. A call adds what the gateway did with it: ``portcullis.decision``, ``portcullis.rule``,
``portcullis.outcome``, ``portcullis.limit`` (the limit rule that refused it), ``portcullis.approval.id``,
``portcullis.approval.approver``, ``portcullis.server``. Arguments and results are never put on a span.

Trace context: a ``traceparent`` (and ``tracestate``) in the request's ``params._meta`` becomes the
span's parent, and the call forwarded upstream carries the span's own context in its ``params._meta``,
as MCP's conventions say, so the upstream's spans join the same trace.

Configuration is OpenTelemetry's own environment: ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_ENDPOINT``) switches it on, exported over OTLP/HTTP (protobuf) by a batching
processor; ``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none`` keep it off; ``OTEL_SERVICE_NAME``
names the service (default ``portcullis``). It needs the optional extra ``mcp-portcullis[otel]``.

When off, ``tracer`` is None: the hooks in the request path test one module attribute and return,
and no span object is ever made.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from portcullis.errors import PortcullisError

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer

    from portcullis.pipeline.guard import Admission, CallInfo
    from portcullis.sessions.client import ClientSession, Sender

__all__ = ["RequestTracer", "carry", "configure", "endpoint", "note_call", "shutdown", "tracer", "wanted"]

Message = dict[str, Any]
Answer = Callable[["ClientSession", Message, "Sender | None"], Awaitable[Message | None]]

_NAMED = frozenset({"tools/call", "prompts/get"})
_current: contextvars.ContextVar[Span | None] = contextvars.ContextVar("portcullis_span", default=None)


class RequestTracer:
    """Makes the spans; exists only while tracing is on."""

    def __init__(self, provider: TracerProvider) -> None:
        from opentelemetry.trace import SpanKind
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        from portcullis import __version__

        self.provider = provider
        self._tracer: Tracer = provider.get_tracer("portcullis", __version__)
        self._propagator = TraceContextTextMapPropagator()
        self._server_kind = SpanKind.SERVER

    async def request(self, answer: Answer, client: ClientSession, msg: Message, send: Sender | None) -> Message | None:
        """Answer ``msg`` inside a span (requests only: notifications and responses get none)."""
        method = msg.get("method")
        if not isinstance(method, str) or "id" not in msg:
            return await answer(client, msg, send)
        params = msg.get("params")
        params = params if isinstance(params, dict) else {}
        meta = params.get("_meta")
        parent = self._propagator.extract(meta) if isinstance(meta, dict) and "traceparent" in meta else None
        attributes: dict[str, str] = {
            "mcp.method.name": method,
            "jsonrpc.request.id": str(msg["id"]),
            "mcp.session.id": client.label,
        }
        name = method
        target = params.get("name")
        if method in _NAMED and isinstance(target, str):
            name = f"{method} {target}"
            if method == "tools/call":
                attributes["gen_ai.tool.name"] = target
                attributes["gen_ai.operation.name"] = "execute_tool"
            else:
                attributes["gen_ai.prompt.name"] = target
        span = self._tracer.start_span(name, context=parent, kind=self._server_kind, attributes=attributes)
        token = _current.set(span)
        reply: Message | None = None
        try:
            reply = await answer(client, msg, send)
            return reply
        except BaseException as exc:
            span.set_attribute("error.type", type(exc).__qualname__)
            _fail(span, type(exc).__qualname__)
            raise
        finally:
            _current.reset(token)
            if client.protocol_version:
                span.set_attribute("mcp.protocol.version", client.protocol_version)
            _close(span, reply)

    def shutdown(self) -> None:
        self.provider.shutdown()


def _close(span: Span, reply: Message | None) -> None:
    if isinstance(reply, dict) and isinstance(reply.get("error"), dict):
        code = str(reply["error"].get("code"))
        span.set_attribute("error.type", code)
        span.set_attribute("rpc.response.status_code", code)
        _fail(span, code)
    elif isinstance(reply, dict) and isinstance(reply.get("result"), dict) and reply["result"].get("isError") is True:
        span.set_attribute("error.type", "tool_error")
    span.end()


def _fail(span: Span, description: str) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_status(Status(StatusCode.ERROR, description))


tracer: RequestTracer | None = None


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether OpenTelemetry's environment asks for traces over OTLP."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() in ("none", ""):
        return False
    return bool(environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def endpoint(environ: Mapping[str, str] = os.environ) -> str:
    """Where spans go, as OpenTelemetry's exporter reads its environment (the traces URL, or the base + path)."""
    traces = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if traces:
        return traces
    return environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").rstrip("/") + "/v1/traces"


def configure(environ: Mapping[str, str] = os.environ) -> bool:
    """Switch tracing on when the environment asks for it; ``True`` when it is on."""
    global tracer
    if tracer is not None or not wanted(environ):
        return tracer is not None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise PortcullisError(
            "an OTLP endpoint is set (OTEL_EXPORTER_OTLP_*ENDPOINT) but OpenTelemetry's SDK is not installed",
            "install the extra: pip install 'mcp-portcullis[otel]', or unset the endpoint",
        ) from None
    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME") or "portcullis"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    tracer = RequestTracer(provider)
    return True


def shutdown() -> None:
    """Export the spans still buffered and switch tracing off."""
    global tracer
    if tracer is not None:
        tracer.shutdown()
        tracer = None


def carry(params: dict[str, Any]) -> None:
    """Put the current span's trace context in ``params._meta`` (a copy: the client's dict is left as is)."""
    if tracer is None:
        return
    span = _current.get()
    if span is None:
        return
    ctx = span.get_span_context()
    meta = params.get("_meta")
    meta = dict(meta) if isinstance(meta, dict) else {}
    meta["traceparent"] = f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
    if ctx.trace_state:
        meta["tracestate"] = ctx.trace_state.to_header()
    else:
        meta.pop("tracestate", None)
    params["_meta"] = meta


def note_call(call: CallInfo, admission: Admission, outcome: str) -> None:
    """What the gateway did with the call, on its span (never its arguments)."""
    if tracer is None:
        return
    span = _current.get()
    if span is None or not span.is_recording():
        return
    span.set_attribute("portcullis.server", call.server)
    span.set_attribute("portcullis.decision", admission.decision)
    span.set_attribute("portcullis.rule", admission.rule)
    span.set_attribute("portcullis.outcome", "pending" if admission.pending and outcome == "denied" else outcome)
    if admission.decision == "limit":
        span.set_attribute("portcullis.limit", admission.rule)
    if admission.approval_id:
        span.set_attribute("portcullis.approval.id", admission.approval_id)
    if admission.approver:
        span.set_attribute("portcullis.approval.approver", admission.approver)
