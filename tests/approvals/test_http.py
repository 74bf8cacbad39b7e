"""The webhook (to a real local receiver), its signed links, and the REST API — over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import aiohttp
import orjson
import pytest
import uvicorn
from aiohttp import web
from starlette.applications import Starlette

from portcullis.approvals import ApprovalService, ApprovalStore, approval_routes
from portcullis.approvals.links import InvalidToken, make_token, read_token, sign_body, verify_body
from portcullis.approvals.settings import ApprovalSettings, WebhookSettings
from portcullis.approvals.webhook import WebhookNotifier
from tests.approvals.conftest import Clock
from tests.harness import free_port
from tests.waiting import WAIT, until

SECRET = "test-webhook-secret-0123456789"
ADMIN_TOKEN = "admin-token-for-tests"
ARGS = {"amount": 10, "password": "hunter2-hunter2"}


class Receiver:
    """A webhook receiver like an approver's bot: checks the signature, keeps the payloads."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.got = asyncio.Event()
        self.port = free_port()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ts = int(request.headers["X-Portcullis-Timestamp"])
        if not verify_body(SECRET, ts, body, request.headers["X-Portcullis-Signature"], time.time()):
            self.bad_signatures += 1
            return web.Response(status=401)
        self.payloads.append(orjson.loads(body))
        self.got.set()
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", rec.port).start()
    yield rec
    await runner.cleanup()


@pytest.fixture
async def gateway(store: ApprovalStore, clock: Clock, receiver: Receiver) -> AsyncIterator[tuple[str, ApprovalService]]:
    """The approval routes served by uvicorn, with a service whose webhook points at the receiver."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = ApprovalSettings(
        timeout=1.0,
        ttl=600.0,
        public_url=base,
        webhook=WebhookSettings(f"http://127.0.0.1:{receiver.port}/hook", SECRET, 5.0),
    )
    service = ApprovalService(
        store, settings, clock=clock, notifier=WebhookNotifier(settings.webhook, base) if settings.webhook else None
    )
    app = Starlette(routes=approval_routes(service, hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest()))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started, "the approvals server started")
    yield base, service
    server.should_exit = True
    await task
    assert service.notifier is not None
    await service.notifier.close()


def test_link_tokens_are_signed_and_expire() -> None:
    token = make_token(SECRET, "ap_1", "approve", 2000)
    assert read_token(SECRET, token, 1000) == ("ap_1", "approve")
    for bad, now in ((token, 2000), (token.replace(".", ".x"), 1000), ("nonsense", 1000), ("", 1000)):
        with pytest.raises(InvalidToken):
            read_token(SECRET, bad, now)
    with pytest.raises(InvalidToken):
        read_token("another-secret-0123456789", token, 1000)
    forged = make_token("another-secret-0123456789", "ap_1", "approve", 2000)
    with pytest.raises(InvalidToken):
        read_token(SECRET, forged, 1000)
    assert verify_body(SECRET, 100, b"{}", sign_body(SECRET, 100, b"{}"), 100)
    assert not verify_body(SECRET, 100, b"{}", sign_body(SECRET, 100, b"{ }"), 100)
    assert not verify_body(SECRET, 100, b"{}", sign_body(SECRET, 100, b"{}"), 1000)  # a replay


async def test_webhook_is_signed_and_its_approve_link_works_once(
    gateway: tuple[str, ApprovalService], receiver: Receiver, clock: Clock
) -> None:
    base, service = gateway
    held = asyncio.create_task(service.gate("ci-bot", "s", "bank", "withdraw", ARGS, clock(), timeout=WAIT * 4))
    await asyncio.wait_for(receiver.got.wait(), 10)
    assert receiver.bad_signatures == 0
    payload = receiver.payloads[0]
    assert payload["event"] == "approval.requested"
    assert payload["approval"]["tool"] == "withdraw" and payload["approval"]["arguments"]["password"] == "[REDACTED]"
    assert "hunter2" not in orjson.dumps(payload).decode()
    approve_url = payload["approve_url"]
    assert approve_url.startswith(f"{base}/approvals/callback?token=")
    async with aiohttp.ClientSession() as http:
        async with http.get(approve_url) as resp:  # opening the link only shows a confirmation
            assert resp.status == 200
            page = await resp.text()
            assert "Approve this call" in page and "withdraw" in page and "hunter2" not in page
        assert not held.done()
        async with http.post(approve_url) as resp:
            assert resp.status == 200 and "approved" in await resp.text()
        state = await asyncio.wait_for(held, WAIT)
        assert state.kind == "approved" and state.approval is not None and state.approval.approver == "webhook-link"
        async with http.post(approve_url) as resp:  # the second use is refused
            assert resp.status == 410
        async with http.post(payload["deny_url"]) as resp:
            assert resp.status == 410
        async with http.get(approve_url.replace("token=", "token=x")) as resp:
            assert resp.status == 403


async def test_deny_link_with_form_post(gateway: tuple[str, ApprovalService], receiver: Receiver, clock: Clock) -> None:
    base, service = gateway
    approval = await service.request("ci-bot", "s", "bank", "withdraw", ARGS, clock())
    await asyncio.wait_for(receiver.got.wait(), 10)
    token = receiver.payloads[0]["deny_url"].split("token=", 1)[1]
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base}/approvals/callback", data={"token": unquote(token)}) as resp,
    ):
        assert resp.status == 200, await resp.text()
    state = await service.check("ci-bot", "s", "bank", "withdraw", ARGS, clock())
    assert state.kind == "denied" and state.approval is not None and state.approval.id == approval.id


async def test_rest_api_needs_the_admin_token(gateway: tuple[str, ApprovalService], clock: Clock) -> None:
    base, service = gateway
    approval = await service.request("ci-bot", "s", "bank", "withdraw", ARGS, clock())
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/api/approvals") as resp:
            assert resp.status == 401
        async with http.get(f"{base}/api/approvals", headers={"Authorization": "Bearer wrong"}) as resp:
            assert resp.status == 403
        async with http.get(f"{base}/api/approvals?status=pending", headers=auth) as resp:
            assert resp.status == 200
            items = await resp.json()
            assert [i["id"] for i in items] == [approval.id]
            assert set(items[0]) >= {
                "id",
                "status",
                "grant",
                "server",
                "tool",
                "arguments",
                "requested_at",
                "expires_at",
            }
        async with http.get(f"{base}/api/approvals/{approval.id}", headers=auth) as resp:
            assert resp.status == 200 and (await resp.json())["status"] == "pending"
        async with http.get(f"{base}/api/approvals/ap_nope", headers=auth) as resp:
            assert resp.status == 404
        async with http.post(
            f"{base}/api/approvals/{approval.id}/approve", headers=auth, json={"comment": "ok", "for": "bad"}
        ) as resp:
            assert resp.status == 400
        async with http.post(
            f"{base}/api/approvals/{approval.id}/approve",
            headers=auth,
            json={"comment": "ok", "for": "10m", "approver": "carol"},
        ) as resp:
            assert resp.status == 200
            body = await resp.json()
            assert body["status"] == "approved" and body["approver"] == "carol" and body["single_use"] is False
        async with http.post(f"{base}/api/approvals/{approval.id}/deny", headers=auth) as resp:
            assert resp.status == 409
    assert (await service.check("ci-bot", "s", "bank", "withdraw", ARGS, clock())).kind == "approved"


async def test_rest_api_is_off_without_an_admin_token(store: ApprovalStore, clock: Clock) -> None:
    import httpx

    service = ApprovalService(store, ApprovalSettings(), clock=clock)
    app = Starlette(routes=approval_routes(service, None))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        resp = await http.get("/api/approvals", headers={"Authorization": "Bearer anything"})
        assert resp.status_code == 403 and "admin_token_sha256" in resp.text
        resp = await http.get("/approvals/callback?token=abc")
        assert resp.status_code == 404  # no webhook secret: no links
