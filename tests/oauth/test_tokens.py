"""The OAuth parts against the real test issuer, without a gateway: key set, rate limit, validation
cache, introspection, claim matching, and the config section's errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from portcullis.cli import main
from portcullis.config.load import config_from_text
from portcullis.config.model import GrantConfig
from portcullis.errors import ConfigError
from portcullis.oauth.gate import OAuthGate
from portcullis.oauth.match import grant_for_claims
from portcullis.oauth.metadata import AuthFailure
from portcullis.oauth.settings import IntrospectionSettings, OAuthSettings
from tests.harness import free_port
from tests.oauth.servers import Issuer, running_issuer

AUDIENCE = "https://gw.example.test/mcp"
GRANTS = (
    GrantConfig("sre", "", ("*",), "p.json", (("groups", ("sre", "ops-*")),)),
    GrantConfig("bot", "", ("a",), "p.json", (("client_id", ("bot-1",)), ("azp", ("bot-1",)))),
)


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    with running_issuer(clients={"portcullis": "introspection-secret"}) as it:
        yield it


def _settings(issuer: Issuer, **extra: object) -> OAuthSettings:
    return OAuthSettings(issuer=issuer.url, audience=AUDIENCE, scopes=("mcp:tools",), **extra)  # type: ignore[arg-type]


def _token(issuer: Issuer, **claims: object) -> str:
    return issuer.mint({"sub": "alice", "aud": AUDIENCE, "scope": "mcp:tools", "groups": ["ops-eu"], **claims})


async def test_a_cached_token_costs_no_network_and_an_unknown_kid_is_rate_limited(issuer: Issuer) -> None:
    gate = OAuthGate(_settings(issuer, jwks_min_refresh=3600.0))
    await gate.start()
    try:
        reads = issuer.jwks_reads
        token = _token(issuer)
        grant = gate.authenticate(token, GRANTS)
        assert isinstance(grant, GrantConfig) and grant.name == "sre"
        assert gate.authenticate(token, GRANTS) is grant  # remembered: same answer, no work
        rotated = issuer.rotate()
        fresh = issuer.mint({"sub": "alice", "aud": AUDIENCE, "scope": "mcp:tools", "groups": ["sre"]}, key=rotated)
        pending = gate.authenticate(fresh, GRANTS)
        assert not isinstance(pending, (GrantConfig, AuthFailure))  # it must ask the issuer: an awaitable
        refused = await pending
        assert isinstance(refused, AuthFailure) and refused.status == 401  # the set was read <1 h ago
        assert issuer.jwks_reads == reads
        gate.keys.min_refresh = 0.0
        accepted = await gate.authenticate(fresh, GRANTS)  # type: ignore[misc]
        assert isinstance(accepted, GrantConfig) and issuer.jwks_reads == reads + 1
    finally:
        await gate.close()


async def test_tokens_of_another_issuer_do_not_trigger_key_reads(issuer: Issuer) -> None:
    gate = OAuthGate(_settings(issuer))
    await gate.start()
    try:
        reads = issuer.jwks_reads
        answer = gate.authenticate(_token(issuer, iss="https://other.example.test"), GRANTS)
        assert isinstance(answer, AuthFailure) and b'error="invalid_token"' in answer.challenge
        assert issuer.jwks_reads == reads
    finally:
        await gate.close()


async def test_opaque_tokens_are_introspected_and_cached(issuer: Issuer) -> None:
    introspection = IntrospectionSettings(None, "portcullis", "introspection-secret", 60.0)
    gate = OAuthGate(_settings(issuer, introspection=introspection))
    await gate.start()
    try:
        issuer.opaque["opaque-abc"] = {
            "iss": issuer.url,
            "aud": AUDIENCE,
            "scope": "mcp:tools",
            "client_id": "bot-1",
            "azp": "bot-1",
            "sub": "bot-1",
        }
        issuer.opaque["opaque-elsewhere"] = {"aud": "https://other.example.test", "scope": "mcp:tools"}
        first = await gate.authenticate("opaque-abc", GRANTS)  # type: ignore[misc]
        assert isinstance(first, GrantConfig) and first.name == "bot"
        seen = issuer.introspections
        again = gate.authenticate("opaque-abc", GRANTS)
        assert isinstance(again, GrantConfig) and issuer.introspections == seen  # cached: no network
        for token in ("opaque-unknown", "opaque-elsewhere"):
            refused = await gate.authenticate(token, GRANTS)  # type: ignore[misc]
            assert isinstance(refused, AuthFailure) and refused.status == 401
    finally:
        await gate.close()


def test_claims_match_grants_in_order_with_lists_and_globs() -> None:
    sre = grant_for_claims(GRANTS, {"iss": "i", "sub": "a", "groups": ["dev", "ops-us"]})
    assert sre is not None and sre.name == "sre" and sre.key_sha256  # owned by the caller
    assert grant_for_claims(GRANTS, {"client_id": "bot-1"}) is None  # azp must match too
    assert grant_for_claims(GRANTS, {"client_id": "bot-1", "azp": "bot-1"}).name == "bot"  # type: ignore[union-attr]
    assert grant_for_claims(GRANTS, {"groups": "sre"}).name == "sre"  # type: ignore[union-attr]
    other = grant_for_claims(GRANTS, {"iss": "i", "sub": "b", "groups": ["sre"]})
    assert other is not None and other.key_sha256 != sre.key_sha256


def test_the_oauth_section_is_validated() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_text(
            "oauth: {issuer: 'http://idp.example.com', audience: x, algorithms: [HS256, none], colour: red}\n"
            "grants: [{name: a, match: {groups: []}}]\n"
        )
    text = str(info.value)
    for expected in ("must be https://", "audience", "'HS256' is not accepted", "unknown key 'colour'", "groups"):
        assert expected in text, text
    with pytest.raises(ConfigError, match="no 'oauth:' section"):
        config_from_text("grants: [{name: a, match: {sub: alice}}]\n")


def test_keys_list_shows_how_an_oauth_grant_takes_its_callers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text(
        "oauth: {issuer: 'https://login.example.com', audience: 'https://gw.example.com/mcp'}\n"
        "grants:\n  - {name: sre, match: {groups: [sre, ops]}, policy: p.json}\n"
    )
    assert main(["keys", "list", "-c", str(config)]) == 0
    assert "oauth groups=sre,ops" in capsys.readouterr().out
    assert main(["keys", "list", "-c", str(config), "--json"]) == 0
    listed = orjson.loads(capsys.readouterr().out)
    assert listed == [
        {"name": "sre", "servers": ["*"], "policy": "p.json", "key_sha256": None, "match": {"groups": ["sre", "ops"]}}
    ]


def test_screening_and_upstream_auth_settings_are_validated() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_text(
            "screening: {secrets: maybe, max_result_bytes: -1, tools: {'a__*': {instructions: loud}}, extra: 1}\n"
            "servers:\n  a:\n    url: https://a.example.com/mcp\n"
            "    auth: {type: password, client_id: x, colour: red}\n"
        )
    text = str(info.value)
    for expected in (
        "$.screening.secrets: must be one of off, warn, redact, deny",
        "$.screening.max_result_bytes",
        "instructions: must be one of",
        "unknown key 'extra'",
        "only 'client_credentials' is supported",
        "'token_url' is needed",
        "'client_secret' is needed",
        "unknown key 'colour'",
    ):
        assert expected in text, text


async def test_a_provider_that_cannot_be_read_gets_503_not_a_blamed_token(issuer: Issuer) -> None:
    gate = OAuthGate(OAuthSettings(issuer=f"http://127.0.0.1:{free_port()}", audience=AUDIENCE, jwks_min_refresh=0.0))
    await gate.start()  # the provider is down: logged, the gateway still starts
    try:
        token = issuer.mint({"iss": gate.settings.issuer, "sub": "a", "aud": AUDIENCE, "groups": ["sre"]})
        answer = await gate.authenticate(token, GRANTS)  # type: ignore[misc]
        assert isinstance(answer, AuthFailure) and answer.status == 503
        assert "could not read the signing keys" in answer.message
    finally:
        await gate.close()
