"""Issue 9.5: ``portcullis admin-token create NAME --role …`` mints the console/REST token; no SHA-256 by hand.

Tokens are created (and revoked) while the gateway runs, as an operator would, and used against its
REST API: a ``viewer`` reads the approval queue but cannot decide; an ``approver`` decides, in its own
name; a revoked token is refused within seconds; the older ``admin_token_sha256`` still works.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from portcullis.cli import main
from portcullis.config import load_config
from tests.e2e.support import KEY_A, cli, digest, gateway_folder, until
from tests.gateway.wire import LegacySession
from tests.harness import running_gateway

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {"fx__add": {"action": "require_approval", "reason": "Adding needs a person"}},
}
LEGACY_TOKEN = "legacy-admin-token-0123456789"


def test_create_list_revoke_in_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text("# mine\nservers:\n  git: {command: 'true'}\n")
    assert main(["admin-token", "create", "alice", "--role", "approver", "-c", str(config), "--json"]) == 0
    made = orjson.loads(capsys.readouterr().out)
    assert made["token"].startswith("pca_") and made["token_sha256"] == digest(made["token"])
    assert made["token"] not in config.read_text() and config.read_text().startswith("# mine")
    tokens = load_config(config).admin_tokens
    assert [(t.name, t.token_sha256, t.role) for t in tokens] == [("alice", digest(made["token"]), "approver")]
    assert main(["admin-token", "create", "alice", "--role", "viewer", "-c", str(config)]) == 2
    with pytest.raises(SystemExit):  # argparse: --role must be one of the roles
        main(["admin-token", "create", "bob", "--role", "root", "-c", str(config)])
    assert main(["admin-token", "list", "-c", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "TOKEN", "SHA-256"] and lines[1].split()[:2] == ["alice", "approver"]
    assert main(["admin-token", "revoke", "alice", "-c", str(config)]) == 0
    assert load_config(config).admin_tokens == ()
    assert main(["admin-token", "revoke", "alice", "-c", str(config)]) == 2


def test_roles_on_the_rest_api_of_a_running_gateway(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": "1s"}, admin_token_sha256=digest(LEGACY_TOKEN))
    with running_gateway(config) as gw, httpx.Client(timeout=30) as http:
        with httpx.Client(headers={"Authorization": f"Bearer {KEY_A}"}, timeout=30) as agent:
            session = LegacySession(agent, gw.url)
            held = [
                session.call("tools/call", {"name": "fx__add", "arguments": {"a": 1, "b": n}})["result"] for n in (1, 2)
            ]
        first, second = (r["_meta"]["io.portcullis/decision"]["approvalId"] for r in held)

        def make(name: str, role: str) -> str:
            done = cli(tmp_path, "admin-token", "create", name, "--role", role)
            assert done.returncode == 0, done.stderr
            return done.stdout.strip()

        viewer, approver = make("vera", "viewer"), make("carol", "approver")

        def status(method: str, path: str, token: str) -> int:
            return http.request(
                method,
                f"{gw.base_url}{path}",
                headers={"Authorization": f"Bearer {token}"},
                json={} if method == "POST" else None,
            ).status_code

        async def accepted() -> bool:  # the running gateway picked the new tokens up
            return await asyncio.to_thread(status, "GET", "/api/approvals", approver) == 200

        asyncio.run(until(accepted, "a token created while the gateway runs is accepted"))
        assert status("GET", "/api/approvals", viewer) == 200
        refused = http.post(
            f"{gw.base_url}/api/approvals/{first}/approve", json={}, headers={"Authorization": f"Bearer {viewer}"}
        )
        assert refused.status_code == 403 and "role viewer" in refused.text, refused.text
        approved = http.post(
            f"{gw.base_url}/api/approvals/{first}/approve", json={}, headers={"Authorization": f"Bearer {approver}"}
        )
        assert approved.status_code == 200 and approved.json()["approver"] == "api:carol", approved.text
        assert status("POST", f"/api/approvals/{second}/deny", LEGACY_TOKEN) == 200  # admin_token_sha256 still works

        assert cli(tmp_path, "admin-token", "revoke", "carol").returncode == 0

        async def revoked() -> bool:
            return await asyncio.to_thread(status, "GET", "/api/approvals", approver) == 403

        asyncio.run(until(revoked, "a revoked admin token is refused"))
