"""Issue 5 end to end: calls held for a person's approval, through a running ``portcullis serve``.

Every test runs the real gateway (``python -m portcullis serve``) in front of the fixture server and
drives it with the ``mcp`` SDK's client, each agent with its own key (a grant); approvers act from
other processes — ``portcullis approvals …`` run in the config's folder, the REST API, the webhook's
signed links — as an operator would.

- A held call sends progress while it waits and goes through when approved from the CLI meanwhile
  (over Streamable HTTP); over ``portcullis stdio`` a denial made meanwhile ends it with the comment.
- Undecided within ``approvals.timeout``: "pending approval <id> — retry the same call once approved";
  the retry from the same grant goes through once (single use), another grant's identical call does not.
- A denial and an expiry are answered with the reason (the approver's comment); ``--for`` covers
  repeated identical calls.
- The webhook reaches a receiver on 127.0.0.1 with a valid HMAC signature; its approve link works once.
- Two gateway processes sharing the real Redis see the same approval (requested on A, retried on B).
- The REST API needs the admin token.

The shared helpers (``connect``, ``cli``, ``until``, ``pending_id`` …) live in ``support.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import mcp_types as types
import pytest
import redis

from tests.e2e.support import (
    KEY_A,
    KEY_B,
    PENDING,
    WAIT,
    acli,
    cli,
    cli_json,
    connect,
    decision_of,
    digest,
    gateway_folder,
    pending_id,
    text_of,
    until,
)
from tests.harness import LOCALHOST, MODERN, PYTHON, Proc, free_port, legacy_client, running_gateway

ADMIN_TOKEN = "pc_e2e_admin_token_0123456789"
POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__echo": {},
        "fx__add": {"action": "require_approval", "reason": "Adding needs a person"},
    },
}


class Progress:
    """A progress callback that keeps what it was sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.messages.append((progress, message))


# -- a gateway whose held calls give up quickly ---------------------------------------------------


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    """Held calls wait 1 s (progress every 0.2 s); the REST API takes ``ADMIN_TOKEN``."""
    folder = tmp_path_factory.mktemp("approvals-quick")
    config = gateway_folder(
        folder, POLICY, approvals={"timeout": "1s", "progress_interval": 0.2}, admin_token_sha256=digest(ADMIN_TOKEN)
    )
    with running_gateway(config) as gw:
        yield gw


def folder_of(gw: Proc) -> Path:
    return Path(gw.args[gw.args.index("-c") + 1]).parent


async def test_pending_then_the_retry_from_the_same_grant_goes_through_once(quick: Proc) -> None:
    folder = folder_of(quick)
    args = {"a": 1, "b": 2}
    progress = Progress()
    async with connect(quick.url, KEY_A) as a:
        first = await a.call_tool("fx__add", args, progress_callback=progress)
        approval = pending_id(first)
        # Held for approvals.timeout with progress notifications (the client gave a progressToken).
        assert progress.messages, "no progress notification while the call was held"
        assert all(m == "waiting for a person to approve this call" for _, m in progress.messages)
        assert [p for p, _ in progress.messages] == sorted(p for p, _ in progress.messages)
        assert pending_id(await a.call_tool("fx__add", args)) == approval  # still the same request

        listed = cli_json(folder, "approvals", "list")
        mine = [r for r in listed if r["id"] == approval]
        assert len(mine) == 1, listed
        assert mine[0] | {"requested_at": None, "expires_at": None} == mine[0] | {
            "status": "pending",
            "grant": "agent-a",
            "server": "fx",
            "tool": "add",
            "arguments": args,
            "requested_at": None,
            "expires_at": None,
        }

        approved = cli(folder, "approvals", "approve", approval, "--as", "alice")
        assert approved.returncode == 0, approved.stderr
        assert f"{approval} approved (one call)" in approved.stdout

        # Another agent's identical call is not covered: it opens a request of its own.
        async with connect(quick.url, KEY_B) as b:
            assert pending_id(await b.call_tool("fx__add", args)) != approval

    # The same grant in a new session (and the other protocol era) retries: it goes through, once.
    async with connect(quick.url, KEY_A, mode=MODERN) as a2:
        retried = await a2.call_tool("fx__add", args)
        assert not retried.is_error, retried
        assert text_of(retried) == "3"
        again = pending_id(await a2.call_tool("fx__add", args))
        assert again != approval  # single use: the next identical call asks again
    shown = cli_json(folder, "approvals", "show", approval)
    assert shown["status"] == "approved" and shown["approver"] == "alice" and shown["used"] is True


async def test_a_denied_call_is_answered_with_the_approvers_comment(quick: Proc) -> None:
    folder = folder_of(quick)
    args = {"a": 10, "b": 20}
    async with connect(quick.url, KEY_A) as a:
        approval = pending_id(await a.call_tool("fx__add", args))
        denied = cli(folder, "approvals", "deny", approval, "--comment", "not on a Friday", "--as", "bob")
        assert denied.returncode == 0, denied.stderr
        for _ in range(2):  # and it stays denied for the retries that follow
            result = await a.call_tool("fx__add", args)
            assert result.is_error, result
            assert text_of(result).startswith(
                f"Portcullis denied the call to 'fx__add': denied by bob (approval {approval}): not on a Friday."
            )
            decision = decision_of(result)
            assert decision["decision"] == "denied" and decision["approvalId"] == approval, decision
    late = cli(folder, "approvals", "approve", approval)
    assert late.returncode == 1 and "already" in late.stderr, late  # decided once


async def test_approve_for_a_duration_covers_repeated_identical_calls(quick: Proc) -> None:
    folder = folder_of(quick)
    args = {"a": 100, "b": 5}
    async with connect(quick.url, KEY_A) as a:
        approval = pending_id(await a.call_tool("fx__add", args))
        approved = cli(folder, "approvals", "approve", approval, "--for", "10m")
        assert approved.returncode == 0, approved.stderr
        for _ in range(3):
            result = await a.call_tool("fx__add", args)
            assert not result.is_error and text_of(result) == "105", result
        other = pending_id(await a.call_tool("fx__add", {"a": 100, "b": 6}))  # other arguments: another request
        assert other != approval


async def test_a_held_call_goes_through_when_approved_from_the_cli_meanwhile(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": "60s", "progress_interval": 0.2})
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as a:
            progress = Progress()
            held = asyncio.create_task(a.call_tool("fx__add", {"a": 40, "b": 2}, progress_callback=progress))

            async def requested() -> str | None:
                listed = json.loads((await acli(tmp_path, "approvals", "list", "--json")).stdout)
                return listed[0]["id"] if listed and progress.messages else None

            approval = await until(requested, "the held call is listed and sends progress")
            assert not held.done()
            approved = await acli(tmp_path, "approvals", "approve", approval, "--as", "carol")
            assert approved.returncode == 0, approved.stderr
            result = await asyncio.wait_for(held, WAIT)
            assert not result.is_error, result
            assert text_of(result) == "42"
        audit = cli_json(tmp_path, "audit", "--decision", "approved")
        assert [(r["tool"], r["approval_id"], r["approver"], r["outcome"]) for r in audit] == [
            ("add", approval, "carol", "ok")
        ]


async def test_over_stdio_a_held_call_sends_progress_and_goes_through_when_approved(tmp_path: Path) -> None:
    """``portcullis stdio`` (the agent key from ``PORTCULLIS_KEY``): the same hold, progress and release."""
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": "60s", "progress_interval": 0.2})
    command = [PYTHON, "-m", "portcullis", "stdio", "-c", str(config)]
    async with legacy_client(command, env={**os.environ, "PORTCULLIS_KEY": KEY_A}) as a:
        progress = Progress()
        held = asyncio.create_task(a.call_tool("fx__add", {"a": 1, "b": 1}, progress_callback=progress))

        async def requested() -> str | None:
            listed = json.loads((await acli(tmp_path, "approvals", "list", "--json")).stdout)
            return listed[0]["id"] if listed and progress.messages else None

        approval = await until(requested, "the held call is listed and sends progress")
        assert cli_json(tmp_path, "approvals", "show", approval)["grant"] == "agent-a"
        assert (await acli(tmp_path, "approvals", "deny", approval, "--comment", "no")).returncode == 0
        result = await asyncio.wait_for(held, WAIT)
        assert result.is_error, result
        assert text_of(result).startswith("Portcullis denied the call to 'fx__add': denied by cli:")
        assert text_of(result).split("\n")[0].endswith(f"(approval {approval}): no.")


async def test_an_expired_request_is_denied(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": 0.2, "ttl": "1s", "progress_interval": 0.1})
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as a:
            args = {"a": 7, "b": 7}
            approval = pending_id(await a.call_tool("fx__add", args))

            async def expired() -> types.CallToolResult | None:
                result = await a.call_tool("fx__add", args)
                return result if not PENDING.match(text_of(result)) else None

            result = await until(expired, "the request expires")
            assert result.is_error, result
            assert text_of(result).startswith(
                f"Portcullis denied the call to 'fx__add': approval {approval} expired without a decision — the "
                "call is denied."
            )
            assert decision_of(result)["decision"] == "denied"
    late = cli(tmp_path, "approvals", "approve", approval)
    assert late.returncode == 1 and "expired" in late.stderr, late
    assert [r["id"] for r in cli_json(tmp_path, "approvals", "list", "--status", "expired")] == [approval]


# -- the webhook and its links -------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every POST it receives (the approvers' chat hook)."""

    def __init__(self) -> None:
        received: list[tuple[dict[str, str], bytes]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.received = received
        self.server = ThreadingHTTPServer((LOCALHOST, free_port()), Handler)
        self.url = f"http://{LOCALHOST}:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


async def test_the_webhook_is_signed_and_its_approve_link_works_once(tmp_path: Path) -> None:
    secret = "e2e-webhook-secret-" + uuid.uuid4().hex
    with Receiver() as hook:
        config = gateway_folder(
            tmp_path,
            POLICY,
            approvals={"timeout": 0.5, "progress_interval": 0.1, "webhook": {"url": hook.url, "secret": secret}},
        )
        with running_gateway(config) as gw:
            args = {"a": 2, "b": 2, "api_key": "sk-live-e2e-should-not-leave-0123456789"}
            async with connect(gw.url, KEY_A) as a:
                approval = pending_id(await a.call_tool("fx__add", args))

                async def delivered() -> bool:
                    return bool(hook.received)

                await until(delivered, "the webhook is delivered")
                assert len(hook.received) == 1
                headers, body = hook.received[0]
                timestamp = headers["x-portcullis-timestamp"]
                expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
                assert hmac.compare_digest(headers["x-portcullis-signature"], f"sha256={expected}")
                assert abs(time.time() - int(timestamp)) < 300
                assert b"sk-live-e2e" not in body  # the secret argument is redacted before it leaves
                event = json.loads(body)
                assert event["event"] == "approval.requested"
                assert event["approval"]["id"] == approval and event["approval"]["tool"] == "add"
                assert event["approval"]["arguments"] == {"a": 2, "b": 2, "api_key": "[REDACTED]"}
                approve_url, deny_url = event["approve_url"], event["deny_url"]
                assert approve_url.startswith(f"{gw.base_url}/approvals/callback?token=")

                async with httpx.AsyncClient(timeout=WAIT) as http:
                    # Opening the link (a chat unfurler, a link scanner) decides nothing.
                    page = await http.get(approve_url)
                    assert page.status_code == 200 and "Approve this call" in page.text
                    assert cli_json(tmp_path, "approvals", "show", approval)["status"] == "pending"
                    forged = approve_url[:-3] + ("AAA" if not approve_url.endswith("AAA") else "BBB")
                    assert (await http.post(forged)).status_code == 403
                    used = await http.post(approve_url)
                    assert used.status_code == 200 and "The call is approved" in used.text
                    assert (await http.post(approve_url)).status_code == 410  # not twice
                    assert (await http.post(deny_url)).status_code == 410

                result = await a.call_tool("fx__add", args)
                assert not result.is_error and text_of(result) == "4", result
            shown = cli_json(tmp_path, "approvals", "show", approval)
            assert shown["status"] == "approved" and shown["approver"] == "webhook-link"


# -- two gateways, one Redis ---------------------------------------------------------------------


async def test_two_gateways_sharing_redis_see_the_same_approval(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    config = gateway_folder(
        tmp_path,
        POLICY,
        store=f"{redis_url}?prefix={redis_prefix}",
        approvals={"timeout": 0.5, "progress_interval": 0.1, "key_prefix": redis_prefix},
        admin_token_sha256=digest(ADMIN_TOKEN),
    )
    args = {"a": 20, "b": 22}
    with running_gateway(config) as gw_a, running_gateway(config) as gw_b:
        async with connect(gw_a.url, KEY_A) as on_a:
            approval = pending_id(await on_a.call_tool("fx__add", args))
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with httpx.AsyncClient(timeout=WAIT, headers=auth) as http:
            seen_on_b = (await http.get(f"{gw_b.base_url}/api/approvals?status=pending")).json()
            assert [r["id"] for r in seen_on_b] == [approval]
        approved = cli(tmp_path, "approvals", "approve", approval)
        assert approved.returncode == 0, approved.stderr
        async with connect(gw_b.url, KEY_A) as on_b:
            result = await on_b.call_tool("fx__add", args)
            assert not result.is_error and text_of(result) == "42", result
        async with connect(gw_a.url, KEY_A) as on_a:  # used on B: A asks again
            assert pending_id(await on_a.call_tool("fx__add", args)) != approval
    keys = redis.Redis.from_url(redis_url).keys(f"{redis_prefix}*")
    assert any(b"{approvals}" in k for k in keys), keys  # the approvals lived in Redis, under our prefix


# -- the REST API and its admin token ------------------------------------------------------------


async def test_the_rest_api_needs_the_admin_token(quick: Proc) -> None:
    async with connect(quick.url, KEY_A) as a:
        approval = pending_id(await a.call_tool("fx__add", {"a": 3, "b": 4}))
    base = f"{quick.base_url}/api/approvals"
    async with httpx.AsyncClient(timeout=WAIT) as http:
        for headers, status in (
            ({}, 401),
            ({"Authorization": "Bearer wrong-token"}, 403),
            ({"Authorization": f"Basic {ADMIN_TOKEN}"}, 401),
        ):
            assert (await http.get(base, headers=headers)).status_code == status
            assert (await http.get(f"{base}/{approval}", headers=headers)).status_code == status
            refused = await http.post(f"{base}/{approval}/approve", headers=headers, json={})
            assert refused.status_code == status
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert (await http.get(f"{base}/{approval}", headers=auth)).json()["status"] == "pending"
        listed = (await http.get(f"{base}?status=pending", headers=auth)).json()
        assert approval in [r["id"] for r in listed]
        decided = await http.post(
            f"{base}/{approval}/approve", headers=auth, json={"comment": "fine", "approver": "ops"}
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "approved" and decided.json()["approver"] == "ops"
        assert (await http.post(f"{base}/{approval}/deny", headers=auth, json={})).status_code == 409
        assert (await http.get(f"{base}/ap_000000000000", headers=auth)).status_code == 404
    async with connect(quick.url, KEY_A) as a:
        result = await a.call_tool("fx__add", {"a": 3, "b": 4})
        assert not result.is_error and text_of(result) == "7", result


async def test_without_an_admin_token_configured_the_rest_api_is_off(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": 0.2, "progress_interval": 0.1})
    with running_gateway(config) as gw:
        reply = httpx.get(
            f"{gw.base_url}/api/approvals", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=WAIT
        )
        assert reply.status_code == 403 and "admin_token_sha256" in reply.json()["error"]


# -- at most max_pending_per_grant requests open per grant -----------------------------------------


async def test_a_grant_may_have_only_so_many_approval_requests_open(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": "0s", "max_pending_per_grant": 2})
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as a:
            first = pending_id(await a.call_tool("fx__add", {"a": 1, "b": 1}))
            pending_id(await a.call_tool("fx__add", {"a": 1, "b": 2}))
            assert pending_id(await a.call_tool("fx__add", {"a": 1, "b": 1})) == first  # a retry opens nothing
            refused = await a.call_tool("fx__add", {"a": 1, "b": 3})
            assert refused.is_error, refused
            assert text_of(refused) == (
                "Portcullis denied the call to 'fx__add': grant 'agent-a' already has 2 approval requests waiting "
                "for a person, the most allowed at once (approvals.max_pending_per_grant); no new request was "
                "opened.\nWhat you can do: wait until a person has decided some of them, then retry the call"
            )
            assert decision_of(refused)["rule"] == "$.approvals.max_pending_per_grant"
            # Another grant is not held back by agent-a's queue.
            async with connect(gw.url, KEY_B) as b:
                pending_id(await b.call_tool("fx__add", {"a": 1, "b": 3}))
            # Once a person decides one, agent-a may open another.
            denied = await acli(tmp_path, "approvals", "deny", first)
            assert denied.returncode == 0, denied.stderr
            pending_id(await a.call_tool("fx__add", {"a": 1, "b": 3}))
    listed = cli_json(tmp_path, "approvals", "list")
    assert sorted(r["grant"] for r in listed if r["status"] == "pending") == ["agent-a", "agent-a", "agent-b"]
