"""Results screened through a running gateway, in both eras: a PEM key redacted (text and
``structuredContent``), an injected instruction flagged or withheld per tool, an oversized result refused,
and each finding in the audit trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import cli_json, connect, text_of
from tests.gateway.proc import Gateway, running_gateway
from tests.harness import MODERN
from tests.oauth.servers import INJECTED, RecordingUpstream, running_upstream

KEY = "pcu_screening_tests_agent_key"
MODES = ("legacy", MODERN)


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, Path]]:
    folder = tmp_path_factory.mktemp("screening")
    (folder / "allow.json").write_text(json.dumps({"version": "1", "default": "allow"}))
    upstream: RecordingUpstream
    with running_upstream() as upstream:
        servers = {"rec": {"url": upstream.url}, "strict": {"url": upstream.url}}
        grants = [{"name": "agent", "key_sha256": hashlib.sha256(KEY.encode()).hexdigest(), "policy": "allow.json"}]
        screening = {
            "secrets": "redact",
            "instructions": "warn",
            "max_result_bytes": 100_000,
            "tools": {"strict__*": {"instructions": "deny"}},
        }
        with running_gateway(folder, servers, policy=None, grants=grants, screening=screening) as gateway:
            yield gateway, folder


@pytest.mark.parametrize("mode", MODES)
async def test_a_pem_key_is_redacted(gw: tuple[Gateway, Path], mode: str) -> None:
    async with connect(gw[0].url, KEY, mode) as session:
        result = await session.call_tool("rec__leak_key", {})
    assert "BEGIN PRIVATE KEY" not in text_of(result) and "[REDACTED]" in text_of(result)
    assert result.structured_content == {"key": "[REDACTED]", "host": "db1"}
    assert (result.meta or {})["io.portcullis/screening"]["action"] == "redact"


@pytest.mark.parametrize("mode", MODES)
async def test_an_injected_instruction_is_flagged(gw: tuple[Gateway, Path], mode: str) -> None:
    async with connect(gw[0].url, KEY, mode) as session:
        result = await session.call_tool("rec__inject", {})
    assert text_of(result) == INJECTED and result.is_error is not True
    meta = (result.meta or {})["io.portcullis/screening"]
    assert meta["action"] == "warn"
    assert {f["where"] for f in meta["findings"]} >= {"content[0].text", "structuredContent.forecast"}


@pytest.mark.parametrize("mode", MODES)
async def test_an_injected_instruction_is_denied_where_the_policy_says(gw: tuple[Gateway, Path], mode: str) -> None:
    async with connect(gw[0].url, KEY, mode) as session:
        result = await session.call_tool("strict__inject", {})
        clean = await session.call_tool("strict__echo", {"text": "plain"})
    assert result.is_error is True and "withheld" in text_of(result) and INJECTED not in str(result)
    assert text_of(clean) == "plain"


async def test_an_oversized_result_is_refused(gw: tuple[Gateway, Path]) -> None:
    async with connect(gw[0].url, KEY) as session:
        result = await session.call_tool("rec__big", {"size": 200_000})
    assert result.is_error is True and "bytes" in text_of(result)


def test_findings_are_in_the_audit_trail(gw: tuple[Gateway, Path]) -> None:
    records = cli_json(gw[1], "audit", "-c", "portcullis.json", "--limit", "200")
    reasons = {r["tool"]: r for r in records}
    assert "result screened (redact): secret" in reasons["leak_key"]["reason"]
    withheld = [r for r in records if r["server"] == "strict" and r["tool"] == "inject"]
    assert withheld and all(r["outcome"] == "withheld" for r in withheld)
