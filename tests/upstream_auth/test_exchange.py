"""Token exchange (RFC 8693) for one upstream: the form it posts, one exchange per caller token (cached,
shared by concurrent calls), and clear refusals for agent keys and providers that say no."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from portcullis.config.load import config_from_text
from portcullis.errors import UpstreamUnavailable
from portcullis.upstream_auth.exchange import ACCESS_TOKEN, TOKEN_EXCHANGE, TokenExchanger
from portcullis.upstream_auth.settings import TokenExchangeSettings

SETTINGS = TokenExchangeSettings("https://idp/token", "gw", "s3cret", audience="https://crm/mcp", scope="crm.read")


async def test_one_exchange_per_caller_token_shared_and_cached() -> None:
    posted: list[dict[str, str]] = []

    async def post(url: str, form: dict[str, str], auth: tuple[str, str]) -> Any:
        posted.append(form)
        await asyncio.sleep(0.01)
        return {"access_token": f"for-{form['subject_token']}", "expires_in": 600}

    exchanger = TokenExchanger("crm", SETTINGS, post=post)
    got = await asyncio.gather(*(exchanger.headers_for("alice-token") for _ in range(5)))
    assert got == [{"Authorization": "Bearer for-alice-token"}] * 5
    assert await exchanger.headers_for("bob-token") == {"Authorization": "Bearer for-bob-token"}
    assert await exchanger.headers_for("alice-token") == {"Authorization": "Bearer for-alice-token"}
    assert len(posted) == 2
    assert posted[0] == {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": "alice-token",
        "subject_token_type": ACCESS_TOKEN,
        "requested_token_type": ACCESS_TOKEN,
        "audience": "https://crm/mcp",
        "scope": "crm.read",
    }


async def test_agent_keys_and_refusals_are_unavailable_without_running_the_tool() -> None:
    async def refuse(url: str, form: dict[str, str], auth: tuple[str, str]) -> Any:
        raise OSError("https://idp/token answered HTTP 400")

    exchanger = TokenExchanger("crm", SETTINGS, post=refuse)
    for subject, reason in ((None, "agent key"), ("alice-token", "could not be exchanged")):
        with pytest.raises(UpstreamUnavailable, match=reason) as info:
            await exchanger.headers_for(subject)
        assert info.value.may_have_run is False and "s3cret" not in str(info.value)


def test_the_setting_is_validated() -> None:
    config = config_from_text(
        "servers:\n  crm:\n    url: https://crm/mcp\n"
        "    token_exchange: {token_url: 'https://idp/token', client_id: gw, client_secret: sec-ret-42,\n"
        "                     audience: crm}\n"
    )
    exchange = config.servers["crm"].token_exchange
    assert exchange is not None and exchange.audience == "crm" and exchange.client_secret == "sec-ret-42"
    assert "sec-ret-42" not in repr(config.servers["crm"])
