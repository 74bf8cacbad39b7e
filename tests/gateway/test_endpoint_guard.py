"""Issue 8.7, 8.8 and 9.5 (the 401): what guards ``/metrics`` and ``/healthz``, what loopback is, what a 401 says.

- ``/metrics`` and ``/healthz`` refuse a foreign ``Host`` or ``Origin`` as ``/mcp`` does (DNS rebinding);
  ``metrics_token_sha256`` (set by ``portcullis admin-token metrics``) makes ``/metrics`` ask for a token.
- Calls to tool names no server lists are counted under ``tool="<unknown>"``: an agent cannot grow the
  series by inventing names.
- ``--listen 127.1`` is loopback for the no-keys rule and for the Host guard alike;
  ``localhost.example.org`` is a DNS name, not loopback, so it needs grants.
- A 401 names the agent key and carries no OAuth pointer; the OAuth discovery paths answer 404 saying
  the gateway takes agent keys.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from portcullis.edge.loopback import is_loopback
from tests.e2e.support import KEY_A, cli, gateway_folder
from tests.gateway.wire import LegacySession
from tests.harness import FIXTURE_SERVER, allow_all_policy, free_port, running_gateway, stdio_server, write_config

POLICY: dict[str, Any] = {"version": "1", "default": "allow"}


def test_metrics_and_healthz_are_guarded_and_tool_labels_are_bounded(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY)
    made = cli(tmp_path, "admin-token", "metrics")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    with running_gateway(config) as gw, httpx.Client(timeout=30) as http:
        for path in ("/metrics", "/healthz"):
            assert http.get(gw.base_url + path, headers={"Host": "evil.example"}).status_code == 403
            assert http.get(gw.base_url + path, headers={"Origin": "http://evil.example"}).status_code == 403
        assert http.get(gw.base_url + "/healthz").status_code == 200
        assert http.get(gw.base_url + "/metrics").status_code == 401
        assert http.get(gw.base_url + "/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401

        invented = [f"fx__made_up_{uuid.uuid4().hex[:8]}" for _ in range(5)]
        with httpx.Client(headers={"Authorization": f"Bearer {KEY_A}"}, timeout=30) as agent:
            session = LegacySession(agent, gw.url)
            for name in [*invented, "fx__echo"]:
                session.call("tools/call", {"name": name, "arguments": {"text": "x"}})
        scraped = http.get(gw.base_url + "/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200, scraped.text
        text = scraped.text
        assert not [name for name in invented if name.split("__")[1] in text]
        assert 'tool="<unknown>"' in text and 'tool="echo"' in text


def test_loopback_is_decided_by_address_parsing() -> None:
    for host in (
        "127.0.0.1",
        "127.1",
        "0x7f.1",
        "2130706433",
        "::1",
        "[::1]",
        "::ffff:127.0.0.1",
        "localhost",
        "LOCALHOST.",
        "127.255.0.9",
    ):
        assert is_loopback(host), host
    for host in (
        "localhost.example.org",
        "127.0.0.1.evil.example",
        "127.0.0.1 evil",
        "0.0.0.0",
        "10.0.0.1",
        "::",
        "example.com",
        "",
        "[::1",
        "1.2.3",
    ):
        assert not is_loopback(host), host


def test_listen_127_1_is_loopback_for_the_host_guard_too(tmp_path: Path) -> None:
    allow_all_policy(tmp_path)
    config = write_config(tmp_path / "portcullis.yaml", {"fx": stdio_server(FIXTURE_SERVER)}, policy="policy.json")
    port = free_port()
    with (
        running_gateway(config, port=port, extra_args=["--listen", f"127.1:{port}"]) as gw,
        httpx.Client(timeout=30) as http,
    ):
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        accept = {"accept": "application/json, text/event-stream"}
        assert http.post(gw.url, json=body, headers={**accept, "Host": "evil.example"}).status_code == 403
        assert http.get(gw.base_url + "/healthz", headers={"Host": "evil.example"}).status_code == 403
        assert http.get(gw.base_url + "/healthz", headers={"Host": f"127.1:{port}"}).status_code == 200

    refused = cli(tmp_path, "serve", "--listen", f"localhost.example.org:{free_port()}")
    assert refused.returncode == 2 and "without any grant" in refused.stderr, refused.stderr


def test_a_401_sends_no_client_into_an_oauth_sign_in(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY)
    with running_gateway(config) as gw, httpx.Client(timeout=30) as http:
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        bare = http.post(gw.url, json=body)
        assert bare.status_code == 401
        assert bare.headers["www-authenticate"] == 'Bearer realm="portcullis"'  # RFC 6750 §3.1: no error code
        assert "portcullis keys create" in bare.json()["error"]["message"]
        wrong = http.post(gw.url, json=body, headers={"Authorization": "Bearer pcu_wrong"})
        assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["www-authenticate"]
        for challenge in (bare.headers["www-authenticate"], wrong.headers["www-authenticate"]):
            assert "resource_metadata" not in challenge and "scope" not in challenge
        for path in (
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        ):
            found = http.get(gw.base_url + path)
            assert found.status_code == 404 and "agent key" in found.json()["error_description"], path
