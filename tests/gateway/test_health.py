"""``/healthz`` tells the truth: ``ok`` only when every upstream is ready, ``degraded`` (HTTP 200, naming
the servers that are not) when some are down, ``down`` with HTTP 503 when none is ready, and
``health.fail_when`` chooses when 503 is answered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from portcullis.config.load import config_from_text
from portcullis.edge.health import HealthSettings, health_status
from portcullis.errors import ConfigError
from portcullis.runtime import Runtime
from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.gateway.wire import post_modern
from tests.waiting import wait_for


def _healthz(gw: Gateway) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"http://127.0.0.1:{gw.port}/healthz", timeout=10)
    body: dict[str, Any] = response.json()
    return response.status_code, body


def _state_is(gw: Gateway, status: str) -> tuple[int, dict[str, Any]] | None:
    code, body = _healthz(gw)
    return (code, body) if body["status"] == status else None


def test_a_server_down_while_running_makes_the_gateway_degraded_then_ok_again(tmp_path: Path) -> None:
    state = tmp_path / "flaky-state"
    servers = {"flaky": fixture("flaky", state=state), "steady": fixture("steady")}
    with running_gateway(tmp_path, servers) as gw:
        code, body = _healthz(gw)
        assert (code, body["status"], body["ready"], body["total"]) == (200, "ok", 2, 2), body
        state.joinpath("hold").touch()  # from now on the server exits at once: its restarts fail
        with httpx.Client(timeout=30) as http:
            post_modern(http, gw.url, "tools/call", {"name": "flaky__crash", "arguments": {}})
        code, body = wait_for(lambda: _state_is(gw, "degraded"), "healthz degraded after the crash")
        assert code == 200 and body["ready"] == 1 and body["total"] == 2, body
        assert body["detail"].startswith("1 of 2 upstream(s) ready: 'flaky' is "), body
        assert body["servers"]["flaky"]["state"] != "ready" and body["servers"]["steady"]["state"] == "ready"
        state.joinpath("hold").unlink()
        code, body = wait_for(lambda: _state_is(gw, "ok"), "healthz ok once the server is back")
        assert code == 200 and body["detail"] == "all 2 upstream(s) ready", body


def test_no_upstream_ready_answers_503_down(tmp_path: Path) -> None:
    servers = {"ghost": {"command": str(tmp_path / "no-such-server")}}
    with running_gateway(tmp_path, servers, wait_ready=False) as gw:
        code, body = wait_for(lambda: _state_is(gw, "down"), "healthz down")
        assert code == 503 and body["ready"] == 0 and "'ghost' is " in body["detail"], body


@pytest.mark.parametrize(("fail_when", "expected"), [("never", 200), ("any_down", 503)])
def test_fail_when_chooses_the_http_status(tmp_path: Path, fail_when: str, expected: int) -> None:
    servers = {"ghost": {"command": str(tmp_path / "no-such-server")}, "ok": fixture("ok")}
    with running_gateway(tmp_path, servers, wait_ready=False, health={"fail_when": fail_when}) as gw:
        gw.wait_state("ok", "ready")
        code, body = wait_for(lambda: _state_is(gw, "degraded"), "healthz degraded")
        assert code == expected, body


def test_health_status_is_a_function_of_the_states() -> None:
    default = HealthSettings()
    assert health_status({}, default)[1]["status"] == "ok"
    assert health_status({"a": "ready", "b": "ready"}, default)[0] == 200
    code, head = health_status({"a": "ready", "b": "restarting"}, default)
    assert (code, head["status"], head["detail"]) == (200, "degraded", "1 of 2 upstream(s) ready: 'b' is restarting")
    assert health_status({"a": "connecting"}, default)[:1] == (503,)
    assert health_status({"a": "connecting"}, HealthSettings("never"))[0] == 200
    assert health_status({"a": "ready", "b": "closed"}, HealthSettings("any_down"))[0] == 503


def test_a_bad_health_section_is_a_config_error() -> None:
    config = config_from_text("servers: {s: {command: x}}\nhealth: {fail_when: sometimes, colour: red}\n")
    with pytest.raises(ConfigError) as caught:
        Runtime.check(config)
    text = str(caught.value)
    assert "$.health.fail_when: must be one of none_ready, any_down, never" in text
    assert "$.health.colour: unknown key" in text
