"""Prometheus metrics for ``/metrics``: calls, latency (gateway and upstream), upstream health, approvals, limits.

Each ``Metrics`` has its own registry (several gateways can live in one test process). The series every
call updates are plain numbers turned into Prometheus families at scrape time (``_CallSeries``); the
others are ``prometheus_client`` metrics whose label children are cached per label tuple.

Series:

- ``portcullis_calls_total{server,tool,decision}`` — every ``tools/call`` by decision;
- ``portcullis_call_duration_seconds{server}`` — time inside the gateway, arrival to answer;
- ``portcullis_upstream_duration_seconds{server}`` — the upstream's share (forwarded calls only);
- ``portcullis_upstream_up{server}`` — 1 when the upstream session is live, 0 when not;
- ``portcullis_approvals_pending`` — requests waiting for a person;
- ``portcullis_limit_denials_total{server,tool,counter,scope}`` — calls refused by a rate/spend limit;
- ``portcullis_audit_errors_total`` — audit writes that failed (the call was refused);
- ``portcullis_audit_spool_records`` — audit records waiting in the local spool for the database;
- ``portcullis_pin_blocks_total{server,tool,status}`` — calls the catalogue blocked: ``changed`` (a
  definition changed since approval: a rug pull), ``new`` (not approved yet), ``unlisted`` (tool
  ``<unknown>``: not in its server's listing yet).

A ``tool`` label is a tool of the catalogue or ``<unknown>``: agents choose the names they call, so
a name no server lists must not become a series of its own (``known_tool`` says which are listed).
``/metrics`` can require a token (``metrics_token_sha256`` in the config).
"""

from __future__ import annotations

import hmac
import math
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from portcullis._plumbing import tokens

__all__ = ["CONTENT_TYPE", "UNKNOWN_TOOL", "Metrics", "metrics_route"]

UNKNOWN_TOOL = "<unknown>"

CONTENT_TYPE = CONTENT_TYPE_LATEST
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self, known_tool: Callable[[str, str], bool | None] | None = None) -> None:
        """``known_tool``: whether a server's current listing has a tool (the catalogue's ``listing_has``);
        names agents make up share one ``<unknown>`` series. None: every name is its own series."""
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._per_call = _CallSeries()
        r.register(self._per_call)
        self._up = Gauge("portcullis_upstream_up", "1 when the upstream server is connected", ("server",), registry=r)
        self._pending = Gauge("portcullis_approvals_pending", "Approval requests waiting for a decision", registry=r)
        self._limited = Counter(
            "portcullis_limit_denials",
            "Calls refused by a rate or spend limit",
            ("server", "tool", "counter", "scope"),
            registry=r,
        )
        self._audit_errors = Counter("portcullis_audit_errors", "Audit writes that failed", registry=r)
        self._spooled = Gauge(
            "portcullis_audit_spool_records", "Audit records waiting in the local spool for the database", registry=r
        )
        self._pin_blocks = Counter(
            "portcullis_pin_blocks",
            "Calls blocked because the tool's definition is not the approved one (changed, new or unlisted)",
            ("server", "tool", "status"),
            registry=r,
        )
        self._shadow = Counter(
            "portcullis_shadow_decisions",
            "Calls a shadow policy decided, by what the gateway did (live) and what the shadow would have done",
            ("server", "tool", "live", "shadow"),
            registry=r,
        )
        self._shadow_diff = Counter(
            "portcullis_shadow_differences",
            "Calls on which a shadow policy would have decided otherwise than the enforcing policy",
            ("server", "tool"),
            registry=r,
        )
        self._children: dict[tuple[str, ...], Any] = {}
        self.known_tool = known_tool

    def _tool(self, server: str, tool: str) -> str:
        known = self.known_tool
        return tool if known is None or known(server, tool) is True else UNKNOWN_TOOL

    def _child(self, metric: Any, key: tuple[str, ...]) -> Any:
        cache_key = (metric._name, *key)
        child = self._children.get(cache_key)
        if child is None:
            child = metric.labels(*key)
            self._children[cache_key] = child
        return child

    def call(self, server: str, tool: str, decision: str, gateway_s: float, upstream_s: float | None = None) -> None:
        """Count one call and observe its latencies (``upstream_s`` is ``None`` when it was not forwarded)."""
        series = self._per_call
        key = (server, self._tool(server, tool), decision)
        calls = series.calls
        calls[key] = calls.get(key, 0) + 1
        gateway = series.gateway.get(server)
        if gateway is None:
            gateway = series.gateway[server] = _Histogram()
        gateway.observe(gateway_s)
        if upstream_s is not None:
            upstream = series.upstream.get(server)
            if upstream is None:
                upstream = series.upstream[server] = _Histogram()
            upstream.observe(upstream_s)

    def upstream_up(self, server: str, up: bool) -> None:
        self._child(self._up, (server,)).set(1 if up else 0)

    def pending(self, n: int) -> None:
        self._pending.set(n)

    def limit_denied(self, server: str, tool: str, counter: str = "", scope: str = "") -> None:
        self._child(self._limited, (server, self._tool(server, tool), counter, scope)).inc()

    def audit_error(self) -> None:
        self._audit_errors.inc()

    def audit_spooled(self, records: int) -> None:
        self._spooled.set(records)

    def pin_blocked(self, server: str, tool: str, status: str) -> None:
        self._child(self._pin_blocks, (server, self._tool(server, tool), status)).inc()

    def shadow(self, server: str, tool: str, live: str, shadow: str) -> None:
        """Count one call a shadow policy decided (``live`` in the shadow's terms: ``approved`` is a hold)."""
        name = self._tool(server, tool)
        self._child(self._shadow, (server, name, live, shadow)).inc()
        if live != shadow:
            self._child(self._shadow_diff, (server, name)).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every series."""
        return bytes(generate_latest(self.registry))


class _Histogram:
    """One latency histogram's bucket counts (not cumulative: the last is above every bound) and sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BUCKETS) + 1)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(_BUCKETS, seconds)] += 1  # the first bound >= seconds: "le" is inclusive
        self.total += seconds

    def cumulative(self) -> list[tuple[str, float]]:
        """``(le, count)`` pairs as Prometheus exposes them, up to ``+Inf``."""
        pairs: list[tuple[str, float]] = []
        running = 0
        for bound, count in zip((*_BUCKETS, math.inf), self.counts, strict=True):
            running += count
            pairs.append(("+Inf" if bound == math.inf else repr(bound), running))  # as prometheus_client writes le
        return pairs


class _CallSeries(Collector):
    """The series every call updates (calls by decision, the gateway's and the upstream's latency), kept as
    plain numbers and turned into Prometheus families only when scraped: recording a call is a few dict
    and list operations, where ``prometheus_client``'s children take a lock and scan the buckets per value.
    Updated and scraped on the event loop only."""

    def __init__(self) -> None:
        self.calls: dict[tuple[str, str, str], int] = {}
        self.gateway: dict[str, _Histogram] = {}
        self.upstream: dict[str, _Histogram] = {}

    def collect(self) -> Iterator[Metric]:
        calls = CounterMetricFamily(
            "portcullis_calls", "Tool calls by server, tool and decision", labels=("server", "tool", "decision")
        )
        for key, count in list(self.calls.items()):
            calls.add_metric(key, count)
        yield calls
        yield _histogram_family(
            "portcullis_call_duration_seconds",
            "Time a call spends in the gateway, from arrival to answer",
            self.gateway,
        )
        yield _histogram_family(
            "portcullis_upstream_duration_seconds", "Upstream time of forwarded calls", self.upstream
        )


def _histogram_family(name: str, documentation: str, series: dict[str, _Histogram]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation, labels=("server",))
    for server, histogram in list(series.items()):
        family.add_metric((server,), histogram.cumulative(), histogram.total)
    return family


def metrics_route(
    metrics: Metrics,
    refresh: Callable[[], Awaitable[None]] | None = None,
    token_sha256: Callable[[], str | None] | None = None,
) -> Any:
    """A Starlette ``Route`` serving ``GET /metrics``; ``refresh`` updates gauges read at scrape time;
    ``token_sha256`` gives the digest of the token a scrape must bring (None: no token needed)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def endpoint(request: Request) -> Response:
        expected = token_sha256() if token_sha256 is not None else None
        if expected:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            digest = tokens.sha256_hex(token.strip())
            if scheme.lower() != "bearer" or not token.strip() or not hmac.compare_digest(digest, expected):
                return JSONResponse(
                    {
                        "error": "/metrics needs 'Authorization: Bearer <metrics token>' "
                        "(metrics_token_sha256 in the config)"
                    },
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="portcullis-metrics"'},
                )
        if refresh is not None:
            await refresh()
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return Route("/metrics", endpoint, methods=["GET"])
