"""``/metrics``: every series the gateway records appears, parseable, with the right values."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from portcullis.metrics import Metrics, metrics_route


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_calls_latency_health_approvals_limits() -> None:
    m = Metrics()
    m.call("github", "create_issue", "allow", 0.004, 0.003)
    m.call("github", "create_issue", "allow", 0.006, 0.005)
    m.call("github", "delete_repo", "deny", 0.0001)
    m.upstream_up("github", True)
    m.upstream_up("bank", False)
    m.pending(3)
    m.limit_denied("github", "create_issue", "writes", "grant")
    m.audit_error()
    s = samples(m.render().decode())
    calls = "portcullis_calls_total"
    assert s[(calls, (("decision", "allow"), ("server", "github"), ("tool", "create_issue")))] == 2
    assert s[(calls, (("decision", "deny"), ("server", "github"), ("tool", "delete_repo")))] == 1
    assert s[("portcullis_call_duration_seconds_count", (("server", "github"),))] == 3
    assert s[("portcullis_upstream_duration_seconds_count", (("server", "github"),))] == 2
    assert abs(s[("portcullis_upstream_duration_seconds_sum", (("server", "github"),))] - 0.008) < 1e-9
    assert s[("portcullis_call_duration_seconds_bucket", (("le", "0.005"), ("server", "github")))] == 2
    assert s[("portcullis_upstream_up", (("server", "github"),))] == 1
    assert s[("portcullis_upstream_up", (("server", "bank"),))] == 0
    assert s[("portcullis_approvals_pending", ())] == 3
    key = (("counter", "writes"), ("scope", "grant"), ("server", "github"), ("tool", "create_issue"))
    assert s[("portcullis_limit_denials_total", key)] == 1
    assert s[("portcullis_audit_errors_total", ())] == 1


def test_two_instances_do_not_share_series() -> None:
    a, b = Metrics(), Metrics()
    a.call("s", "t", "allow", 0.001)
    assert "portcullis_calls_total{" in a.render().decode()
    assert 'tool="t"' not in b.render().decode()


async def test_route_serves_prometheus_text() -> None:
    m = Metrics()
    m.call("s", "t", "allow", 0.001, 0.0005)
    app = Starlette(routes=[metrics_route(m)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        resp = await http.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    assert 'portcullis_calls_total{decision="allow",server="s",tool="t"} 1.0' in resp.text


def test_latency_buckets_are_cumulative_and_a_bound_holds_its_own_value() -> None:
    m = Metrics()
    for seconds in (0.0005, 0.0006, 0.001, 61.0):  # on a bound, between two, on the next, above the last
        m.call("s", "t", "allow", seconds)
    s = samples(m.render().decode())

    def bucket(le: str) -> float:
        return s[("portcullis_call_duration_seconds_bucket", (("le", le), ("server", "s")))]

    assert (bucket("0.0005"), bucket("0.001"), bucket("60.0"), bucket("+Inf")) == (1, 3, 3, 4)
    assert s[("portcullis_call_duration_seconds_count", (("server", "s"),))] == 4
    assert abs(s[("portcullis_call_duration_seconds_sum", (("server", "s"),))] - 61.0021) < 1e-9
