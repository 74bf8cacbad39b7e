"""Screening set in the policy file: each grant's policy decides what happens to its results, and a
policy's ``screening`` wins over the config's (through a running gateway, both eras)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import connect, text_of
from tests.gateway.proc import Gateway, running_gateway
from tests.harness import MODERN
from tests.oauth.servers import INJECTED, RecordingUpstream, running_upstream

STRICT_KEY = "pcu_policy_screening_strict_key"
LAX_KEY = "pcu_policy_screening_lax_key"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder = tmp_path_factory.mktemp("policy-screening")
    strict = {"version": "1", "default": "allow", "screening": {"secrets": "redact", "instructions": "deny"}}
    (folder / "strict.json").write_text(json.dumps(strict))
    (folder / "lax.json").write_text(json.dumps({"version": "1", "default": "allow"}))
    upstream: RecordingUpstream
    with running_upstream() as upstream:
        grants = [
            {"name": "strict", "key_sha256": hashlib.sha256(STRICT_KEY.encode()).hexdigest(), "policy": "strict.json"},
            {"name": "lax", "key_sha256": hashlib.sha256(LAX_KEY.encode()).hexdigest(), "policy": "lax.json"},
        ]
        config_screening = {"secrets": "warn"}  # the gateway-wide default; a policy's own wins over it
        with running_gateway(
            folder, {"rec": {"url": upstream.url}}, policy=None, grants=grants, screening=config_screening
        ) as gateway:
            yield gateway


@pytest.mark.parametrize("mode", ["legacy", MODERN])
async def test_each_grants_policy_screens_its_own_results(gw: Gateway, mode: str) -> None:
    async with connect(gw.url, STRICT_KEY, mode) as strict:
        leaked = await strict.call_tool("rec__leak_key", {})
        injected = await strict.call_tool("rec__inject", {})
    assert "BEGIN PRIVATE KEY" not in text_of(leaked) and "[REDACTED]" in text_of(leaked)
    assert injected.is_error is True and INJECTED not in text_of(injected)

    async with connect(gw.url, LAX_KEY, mode) as lax:
        leaked = await lax.call_tool("rec__leak_key", {})
        injected = await lax.call_tool("rec__inject", {})
    assert "BEGIN PRIVATE KEY" in text_of(leaked)  # the config's default: warn, not redact
    assert (leaked.meta or {})["io.portcullis/screening"]["action"] == "warn"
    assert text_of(injected) == INJECTED and injected.is_error is not True


def test_a_policy_with_a_wrong_screening_action_is_refused(tmp_path: Path) -> None:
    from portcullis.errors import ConfigError
    from portcullis.policy.parse import policy_from_text

    with pytest.raises(ConfigError) as caught:
        policy_from_text(json.dumps({"version": "1", "screening": {"secrets": "shred"}}), "p.json")
    assert "$.screening.secrets" in str(caught.value) and "off, warn, redact, deny" in str(caught.value)
