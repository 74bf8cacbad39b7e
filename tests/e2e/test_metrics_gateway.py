"""Issue 5 end to end: ``/metrics`` of a running ``portcullis serve`` after a few calls.

The gateway runs in front of the fixture server twice over — ``fx`` over stdio and ``web`` over
Streamable HTTP, which the test stops to see the health gauge drop. An agent makes allowed, denied,
rate-limited and held calls; ``/metrics`` must then serve Prometheus text (parsed here with
``prometheus_client``'s own parser) counting them by server, tool and decision, with latency
histograms, upstream health, pending approvals and limit denials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.shared.exceptions import MCPError
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.support import KEY_A, WAIT, cli, connect, gateway_folder, pending_id, text_of, until
from tests.harness import FIXTURE_SERVER, running_gateway, running_http_server, stdio_server

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__echo": {},
        "web__echo": {},
        "fx__structured": {"action": "deny", "reason": "Structured sums are off today"},
        "fx__add": {"action": "require_approval", "reason": "Adding needs a person"},
        "fx__noop_01": {"limits": [{"counter": "noops", "window": "minute", "max": 1, "scope": "grant"}]},
    },
}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base_url: str) -> Samples:
    """``GET /metrics``, parsed: (sample name, labels) → value."""
    reply = httpx.get(f"{base_url}/metrics", timeout=WAIT)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain; version="), reply.headers
    samples: Samples = {}
    for family in text_string_to_metric_families(reply.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_metrics_count_calls_latency_health_approvals_and_limits(tmp_path: Path) -> None:
    with running_http_server(FIXTURE_SERVER) as web:
        config = gateway_folder(
            tmp_path,
            POLICY,
            {"fx": stdio_server(FIXTURE_SERVER), "web": {"url": web.url}},
            approvals={"timeout": 0.2, "progress_interval": 0.1},
        )
        with running_gateway(config) as gw:
            before = scrape(gw.base_url)
            assert value(before, "portcullis_upstream_up", server="fx") == 1
            assert value(before, "portcullis_upstream_up", server="web") == 1
            assert value(before, "portcullis_approvals_pending") == 0

            async with connect(gw.url, KEY_A) as a:
                for i in range(3):
                    assert text_of(await a.call_tool("fx__echo", {"text": str(i)})) == str(i)
                assert text_of(await a.call_tool("web__echo", {"text": "w"})) == "w"
                assert (await a.call_tool("fx__structured", {"a": 1, "b": 2})).is_error
                assert not (await a.call_tool("fx__noop_01", {})).is_error
                assert (await a.call_tool("fx__noop_01", {})).is_error
                approval = pending_id(await a.call_tool("fx__add", {"a": 1, "b": 2}))

                m = scrape(gw.base_url)
                calls = "portcullis_calls_total"
                assert value(m, calls, server="fx", tool="echo", decision="allow") == 3
                assert value(m, calls, server="web", tool="echo", decision="allow") == 1
                assert value(m, calls, server="fx", tool="structured", decision="deny") == 1
                assert value(m, calls, server="fx", tool="noop_01", decision="allow") == 1
                assert value(m, calls, server="fx", tool="noop_01", decision="limit") == 1
                assert value(m, calls, server="fx", tool="add", decision="require_approval") == 1
                assert (
                    value(
                        m, "portcullis_limit_denials_total", server="fx", tool="noop_01", counter="noops", scope="grant"
                    )
                    == 1
                )
                assert value(m, "portcullis_approvals_pending") == 1

                # Latency histograms: every call in the gateway's, forwarded ones in the upstream's.
                assert value(m, "portcullis_call_duration_seconds_count", server="fx") == 7
                assert value(m, "portcullis_upstream_duration_seconds_count", server="fx") == 4
                assert value(m, "portcullis_upstream_duration_seconds_count", server="web") == 1
                buckets = sorted(
                    (float(dict(labels)["le"]), v)
                    for (name, labels), v in m.items()
                    if name == "portcullis_call_duration_seconds_bucket" and dict(labels)["server"] == "fx"
                )
                assert len(buckets) > 5 and buckets[-1] == (float("inf"), 7)
                assert [v for _, v in buckets] == sorted(v for _, v in buckets)  # cumulative
                total = value(m, "portcullis_call_duration_seconds_sum", server="fx")
                assert total is not None and total > 0

                # A decision made in another process shows in the pending gauge at the next scrape.
                assert cli(tmp_path, "approvals", "approve", approval).returncode == 0
                assert value(scrape(gw.base_url), "portcullis_approvals_pending") == 0

                # The HTTP upstream goes away: its calls fail and its health gauge drops to 0.
                web.process.kill()  # gone at once (SIGTERM waits for the gateway's open streams)
                web.process.wait(timeout=WAIT)
                with pytest.raises(MCPError):
                    await a.call_tool("web__echo", {"text": "gone"})

            async def web_down() -> bool:
                return value(scrape(gw.base_url), "portcullis_upstream_up", server="web") == 0

            await until(web_down, "the stopped upstream is reported down")
            last = scrape(gw.base_url)
            assert value(last, "portcullis_upstream_up", server="fx") == 1
            assert value(last, "portcullis_calls_total", server="web", tool="echo", decision="allow") == 2
