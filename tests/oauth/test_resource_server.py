"""End to end: a real OpenID provider on 127.0.0.1, real JWTs, a real MCP client, a running gateway.

The gateway takes tokens from the test issuer (RS256 and ES256 keys, discovery, JWKS), maps their
claims to two grants of different reach, keeps an agent key working beside them, and talks to an
HTTP upstream with its own client-credentials token — never the agent's.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from mcp import MCPError

from tests.e2e.support import all_tool_names, connect, text_of
from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.harness import MODERN
from tests.oauth.servers import Issuer, RecordingUpstream, new_key, running_issuer, running_upstream
from tests.waiting import wait_for

AUDIENCE = "https://gw.example.test/mcp"
KEY = "pcu_oauth_tests_agent_key_kept_beside_tokens"
CC_SECRET = "cc-secret-for-the-upstream"
STATIC_SECRET = "static-upstream-api-key-123"
LIFETIME = 4  # seconds: the issuer's client-credentials tokens are short-lived, so the gateway renews them


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    with running_issuer(clients={"gateway-upstream": CC_SECRET}, token_lifetime=LIFETIME) as it:
        yield it


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    with running_upstream() as up:
        yield up


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, issuer: Issuer, upstream: RecordingUpstream) -> Iterator[Gateway]:
    folder = tmp_path_factory.mktemp("oauth")
    (folder / "allow.json").write_text(json.dumps({"version": "1", "default": "allow"}))
    (folder / "cc-secret.txt").write_text(CC_SECRET + "\n")
    (folder / "api-key.txt").write_text(STATIC_SECRET + "\n")
    servers: dict[str, Any] = {
        "rec": {
            "url": upstream.url,
            "headers": {"X-Api-Key": "${file:api-key.txt}"},
            "auth": {
                "token_url": f"{issuer.url}/token",
                "client_id": "gateway-upstream",
                "client_secret": "${file:cc-secret.txt}",
                "scope": "recorder.read",
                "resource": upstream.url,
            },
        },
        "fx": fixture("fx"),
    }
    servers["sse"] = {**servers["rec"], "url": upstream.sse_url, "transport": "sse"}
    servers["per_user"] = {
        **servers["rec"],
        "token_exchange": {
            "token_url": f"{issuer.url}/token",
            "client_id": "gateway-upstream",
            "client_secret": "${file:cc-secret.txt}",
            "audience": "https://per-user.example.test",
        },
    }
    grants = [
        {"name": "sre", "match": {"groups": ["sre"]}, "servers": ["*"], "policy": "allow.json"},
        {"name": "reader", "match": {"client_id": "reader-app"}, "servers": ["fx"], "policy": "allow.json"},
        {"name": "keyed", "key_sha256": hashlib.sha256(KEY.encode()).hexdigest(), "policy": "allow.json"},
    ]
    oauth = {
        "issuer": issuer.url,
        "audience": AUDIENCE,
        "scopes": ["mcp:tools"],
        "leeway": "5s",
        "jwks_min_refresh": "1s",
    }
    with running_gateway(folder, servers, policy=None, grants=grants, oauth=oauth) as gateway:
        yield gateway


def _token(issuer: Issuer, **claims: Any) -> str:
    base = {"sub": "alice", "aud": AUDIENCE, "scope": "mcp:tools openid", "groups": ["sre"]}
    return issuer.mint({**base, **claims})


def _post(gw: Gateway, token: str | None) -> httpx.Response:
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    return httpx.post(gw.url, json=body, headers=headers, timeout=30)


def _challenge(resp: httpx.Response) -> str:
    return str(resp.headers.get("www-authenticate", ""))


METADATA = 'resource_metadata="https://gw.example.test/.well-known/oauth-protected-resource/mcp"'


def test_metadata_names_the_issuer_and_the_resource(gw: Gateway, issuer: Issuer) -> None:
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        doc = httpx.get(f"http://127.0.0.1:{gw.port}{path}", timeout=10).json()
        assert doc["resource"] == AUDIENCE
        assert doc["authorization_servers"] == [issuer.url]
        assert doc["scopes_supported"] == ["mcp:tools"]


def test_no_token_gets_401_with_the_metadata_url(gw: Gateway) -> None:
    resp = _post(gw, None)
    assert resp.status_code == 401
    assert _challenge(resp).startswith("Bearer ") and METADATA in _challenge(resp)
    assert 'scope="mcp:tools"' in _challenge(resp) and "error=" not in _challenge(resp)


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "https://other.example.test/mcp"}, "audience"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"iss": "https://evil.example.test"}, "issued by"),
    ],
    ids=["wrong-audience", "expired", "not-yet-valid", "unknown-issuer"],
)
def test_bad_tokens_get_401_invalid_token(gw: Gateway, issuer: Issuer, claims: dict[str, Any], why: str) -> None:
    resp = _post(gw, _token(issuer, **claims))
    assert resp.status_code == 401, resp.text
    assert 'error="invalid_token"' in _challenge(resp) and METADATA in _challenge(resp)
    assert why in resp.json()["error"]["message"]


def test_wrong_signature_gets_401(gw: Gateway, issuer: Issuer) -> None:
    impostor = new_key("RS256")
    impostor.kid = issuer.keys[0].kid  # the issuer's kid, someone else's key
    resp = _post(gw, issuer.mint({"sub": "mallory", "aud": AUDIENCE, "scope": "mcp:tools"}, key=impostor))
    assert resp.status_code == 401
    assert 'error="invalid_token"' in _challenge(resp)
    assert "signature" in resp.json()["error"]["message"]


def test_missing_scope_gets_403_naming_it(gw: Gateway, issuer: Issuer) -> None:
    resp = _post(gw, _token(issuer, scope="openid profile"))
    assert resp.status_code == 403
    assert 'error="insufficient_scope"' in _challenge(resp) and 'scope="mcp:tools"' in _challenge(resp)
    assert "mcp:tools" in resp.json()["error"]["message"]


def test_valid_rs256_and_es256_tokens_are_accepted(gw: Gateway, issuer: Issuer) -> None:
    for alg in ("RS256", "ES256"):
        token = issuer.mint({"sub": "alice", "aud": AUDIENCE, "scope": "mcp:tools", "groups": ["sre"]}, alg=alg)
        assert _post(gw, token).status_code == 200


def test_a_token_no_grant_matches_is_refused(gw: Gateway, issuer: Issuer) -> None:
    resp = _post(gw, _token(issuer, groups=["marketing"]))
    assert resp.status_code == 403
    assert "no grant" in resp.json()["error"]["message"]


def test_key_rotation_is_picked_up_without_a_restart(gw: Gateway, issuer: Issuer) -> None:
    reads = issuer.jwks_reads
    fresh = issuer.rotate()
    token = issuer.mint({"sub": "alice", "aud": AUDIENCE, "scope": "mcp:tools", "groups": ["sre"]}, key=fresh)
    # The first try may fall inside the rate limit of key-set reads (1 s here); a later one reads the new set.
    wait_for(lambda: _post(gw, token).status_code == 200 or None, "the rotated key to be accepted")
    assert issuer.jwks_reads > reads
    assert gw.proc.poll() is None


async def test_claims_map_to_two_grants_with_different_reach(gw: Gateway, issuer: Issuer) -> None:
    sre = _token(issuer)
    reader = _token(issuer, sub="svc-reader", groups=[], client_id="reader-app")
    for mode in ("legacy", MODERN):
        async with connect(gw.url, sre, mode) as session:
            names = await all_tool_names(session)
            assert any(n.startswith("rec__") for n in names) and any(n.startswith("fx__") for n in names)
        async with connect(gw.url, reader, mode) as session:
            names = await all_tool_names(session)
            assert names and all(n.startswith("fx__") for n in names), names


async def test_agent_keys_keep_working_beside_oauth(gw: Gateway) -> None:
    async with connect(gw.url, KEY) as session:
        result = await session.call_tool("rec__echo", {"text": "by key"})
        assert text_of(result) == "by key"


async def test_the_agent_token_never_reaches_the_upstream(
    gw: Gateway, issuer: Issuer, upstream: RecordingUpstream
) -> None:
    agent_token = _token(issuer)
    start = len(upstream.seen)
    for mode in ("legacy", MODERN):
        async with connect(gw.url, agent_token, mode) as session:
            for server in ("rec", "sse"):  # Streamable HTTP and HTTP+SSE upstreams
                result = await session.call_tool(f"{server}__echo", {"text": f"hello {mode}"})
                assert text_of(result) == f"hello {mode}"
    seen = upstream.seen[start:]
    assert len(seen) >= 4
    for headers in seen:
        flat = " ".join(headers.values())
        assert agent_token not in flat and KEY not in flat
        assert headers["x-api-key"] == STATIC_SECRET
        assert headers["authorization"].startswith("Bearer ")
        assert headers["authorization"][7:] in {t["token"] for t in issuer.tokens_issued}


async def test_the_upstream_token_is_renewed_before_it_expires(
    gw: Gateway, issuer: Issuer, upstream: RecordingUpstream
) -> None:
    wait_for(lambda: len(issuer.tokens_issued) >= 3 or None, "the gateway to renew its upstream token twice")
    issued = issuer.tokens_issued[:]
    for before, after in itertools.pairwise(issued):
        assert after["at"] < before["at"] + LIFETIME, "a token was renewed only after it expired"
        assert before["scope"] == "recorder.read"
    async with connect(gw.url, KEY) as session:
        await session.call_tool("rec__echo", {"text": "after renewal"})
    latest = {t["token"] for t in issuer.tokens_issued[-2:]}
    assert upstream.seen[-1]["authorization"][7:] in latest


def test_every_upstream_request_since_start_carried_only_the_gateway_credential(upstream: RecordingUpstream) -> None:
    """The SSE stream's GET, the handshakes and the calls: the upstream's credential on each, no agent's."""
    assert any(h.get("accept") == "text/event-stream" for h in upstream.seen)
    for headers in upstream.seen:
        assert headers["x-api-key"] == STATIC_SECRET and headers["authorization"].startswith("Bearer ")
        assert KEY not in " ".join(headers.values())


def test_secrets_stay_out_of_the_log(gw: Gateway, issuer: Issuer) -> None:
    log = gw.log()
    assert CC_SECRET not in log and STATIC_SECRET not in log
    assert not any(t["token"] in log for t in issuer.tokens_issued)


def test_the_config_is_refused_when_a_file_reference_is_missing(tmp_path: Path) -> None:
    from portcullis.config import load_config
    from portcullis.errors import ConfigError

    path = tmp_path / "portcullis.yaml"
    path.write_text("servers:\n  a:\n    url: http://127.0.0.1:9/mcp\n    headers: {X-Key: '${file:nope.txt}'}\n")
    with pytest.raises(ConfigError, match=r"file:nope.txt\} cannot be read"):
        load_config(path)


async def test_a_grants_reload_keeps_oauth_sessions_and_applies_to_their_next_request(
    gw: Gateway, issuer: Issuer
) -> None:
    config = json.loads(gw.config_path.read_text())
    original = gw.config_path.read_text()
    sre = _token(issuer, sub="carol")
    try:
        async with connect(gw.url, sre) as session:  # a legacy session, opened by carol's token
            assert text_of(await session.call_tool("rec__echo", {"text": "before"})) == "before"
            extra = {"name": "extra", "key_sha256": hashlib.sha256(b"pcu_extra").hexdigest(), "policy": "allow.json"}
            gw.config_path.write_text(json.dumps({**config, "grants": [*config["grants"], extra]}))
            wait_for(lambda: "extra" in gw.log() or None, "the grants to be reloaded")
            assert text_of(await session.call_tool("rec__echo", {"text": "after"})) == "after"
            # sre loses 'rec': the same session's next call is decided with the grant as it is now
            narrowed = [{**g, "servers": ["fx"]} if g["name"] == "sre" else g for g in config["grants"]]
            gw.config_path.write_text(json.dumps({**config, "grants": narrowed}))
            wait_for(lambda: gw.log().count("grants reloaded") >= 2 or None, "the second reload")
            names = await all_tool_names(session)
            assert names and all(n.startswith("fx__") for n in names), names
    finally:
        gw.config_path.write_text(original)
        wait_for(lambda: gw.log().count("grants reloaded") >= 3 or None, "the grants to be restored")


async def test_a_token_exchange_upstream_gets_each_callers_own_token(
    gw: Gateway, issuer: Issuer, upstream: RecordingUpstream
) -> None:
    for who in ("alice", "bob"):
        agent_token = _token(issuer, sub=who)
        async with connect(gw.url, agent_token, MODERN) as session:
            assert text_of(await session.call_tool("per_user__echo", {"text": who})) == who
        sent = next(h for text, h in reversed(upstream.calls) if text == who)["authorization"][7:]
        assert sent != agent_token
        claims = jwt.decode(sent, options={"verify_signature": False})
        assert claims["sub"] == who and claims["aud"] == "https://per-user.example.test"
        assert claims["act"] == {"sub": "gateway-upstream"}
    async with connect(gw.url, KEY) as session:  # an agent key has no identity to exchange
        with pytest.raises(MCPError, match="agent key"):
            await session.call_tool("per_user__echo", {"text": "key"})
