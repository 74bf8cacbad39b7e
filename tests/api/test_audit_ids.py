"""``GET /api/v1/audit/{id}`` and ``?after_id`` with ids no backend can store (past a signed 64-bit integer): no
record, not a server error. Found by the REST API's schemathesis run (``tests/reliability/test_fuzz.py``), which
draws such ids only now and then: this test asks for them every time, over real HTTP to a running gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.console.support import ADMIN, console_folder
from tests.harness import running_gateway
from tests.waiting import WAIT

HUGE = "999999999999999999999999999999"


def test_an_audit_id_past_64_bits_is_no_record(tmp_path: Path) -> None:
    allow: dict[str, Any] = {"version": "1", "default": "allow"}
    headers = {"Authorization": f"Bearer {ADMIN}"}
    with running_gateway(console_folder(tmp_path, allow)) as gw:
        with httpx.Client(base_url=gw.base_url, headers=headers, timeout=WAIT) as client:
            assert client.get(f"/api/v1/audit/{HUGE}").status_code == 404
            assert client.get("/api/v1/audit/0").status_code == 404
            listed = client.get("/api/v1/audit", params={"after_id": HUGE})
            assert listed.status_code == 200, listed.text
            assert client.get("/api/v1/audit", params={"after_id": f"-{HUGE}"}).status_code == 200
        assert gw.process.poll() is None
