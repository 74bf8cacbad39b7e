"""An upstream's client-credentials token against the real test issuer: fetched on attach, put on the
transport, renewed before expiry onto every attached transport; a provider that refuses or cannot be
reached makes the upstream unavailable, saying why without the secret."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portcullis.errors import UpstreamUnavailable
from portcullis.upstream.transports.http import StreamableHttpTransport
from portcullis.upstream_auth.client_credentials import ClientCredentials
from portcullis.upstream_auth.settings import ClientCredentialsSettings
from tests.harness import free_port
from tests.oauth.servers import Issuer, running_issuer
from tests.waiting import until

SECRET = "the-client-secret"


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    with running_issuer(clients={"gw": SECRET}, token_lifetime=2) as it:
        yield it


def _transport() -> StreamableHttpTransport:
    return StreamableHttpTransport("up", "http://127.0.0.1:9/mcp", {"X-Other": "kept"})


async def test_the_token_is_put_on_the_transport_and_renewed_before_expiry(issuer: Issuer) -> None:
    settings = ClientCredentialsSettings(f"{issuer.url}/token", "gw", SECRET, scope="a b", resource="https://up/mcp")
    credentials = ClientCredentials("up", settings)
    transport = _transport()
    try:
        await credentials.attach(transport)
        first = transport.headers["Authorization"]
        assert first == f"Bearer {issuer.tokens_issued[-1]['token']}" and transport.headers["X-Other"] == "kept"
        assert issuer.tokens_issued[-1]["scope"] == "a b"
        issued_at = issuer.tokens_issued[-1]["at"]
        await until(lambda: transport.headers["Authorization"] != first or None, "the token to be renewed")
        renewed = next(t for t in issuer.tokens_issued if t["at"] > issued_at)
        assert renewed["at"] < issued_at + 2  # before the first one expired
        assert transport._base["Authorization"] == transport.headers["Authorization"]  # POSTs use it too
        assert SECRET not in repr(credentials) and SECRET not in repr(settings)
    finally:
        await credentials.close()


async def test_a_refusing_or_unreachable_provider_makes_the_upstream_unavailable(issuer: Issuer) -> None:
    for url, secret in ((f"{issuer.url}/token", "wrong"), (f"http://127.0.0.1:{free_port()}/token", SECRET)):
        credentials = ClientCredentials("up", ClientCredentialsSettings(url, "gw", secret))
        with pytest.raises(UpstreamUnavailable) as info:
            await credentials.attach(_transport())
        assert "access token could not be obtained" in str(info.value) and secret not in str(info.value)
        await credentials.close()


async def test_renewal_failures_are_retried_while_the_token_lasts(issuer: Issuer) -> None:
    calls = 0

    async def flaky(url: str, form: dict[str, str], auth: tuple[str, str]) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("provider down")
        return {"access_token": f"t{calls}", "expires_in": 0.5}

    credentials = ClientCredentials("up", ClientCredentialsSettings("https://idp/token", "gw", SECRET), post=flaky)
    transport = _transport()
    try:
        await credentials.attach(transport)
        assert transport.headers["Authorization"] == "Bearer t1"
        await until(lambda: transport.headers["Authorization"] == "Bearer t3" or None, "a renewal after a failure")
    finally:
        await credentials.close()
