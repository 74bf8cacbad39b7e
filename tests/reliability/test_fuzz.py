"""Bounded property-based fuzzing (hypothesis) of what a hostile agent or operator can feed Portcullis.

- the config and policy loaders: any document is loaded or refused with a ``ConfigError`` listing its
  problems, never another exception;
- the HTTP front of a running gateway: any body, method header and session header gets an answer that
  is not a 5xx without a JSON-RPC error body, and a good client is served throughout;
- the stdio front: any line gets, at most, JSON-RPC answers, and the process keeps serving;
- the REST API: schemathesis against ``/api/v1/openapi.json``, no server error.

Every run is bounded (``max_examples``, a deadline per input) and targets 127.0.0.1 only. Each test
prints how many inputs it tried.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portcullis.config.load import config_from_text
from portcullis.errors import ConfigError
from portcullis.policy.compile import compile_policy
from portcullis.policy.parse import policy_from_text
from tests.e2e.support import KEY_A, gateway_folder
from tests.gateway.wire import ACCEPT, modern_request
from tests.harness import PYTHON, running_gateway
from tests.waiting import WAIT

ALLOW: dict[str, Any] = {"version": "1", "default": "allow"}
FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=15), inner, max_size=5),
    max_leaves=25,
)
CONFIG_KEYS = ["servers", "grants", "policy", "store", "audit", "listen", "audit_options", "approvals", "catalog"]
POLICY_KEYS = ["version", "default", "hide", "all_tools", "tools", "servers", "fail_open"]
RULE_KEYS = ["action", "reason", "limits", "rate_limit", "args", "deny_if", "require", "mode"]


def documents(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Maps using the loader's own keys (so inputs get past the first check) with any values."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=10), json_values, max_size=6)


def policies() -> st.SearchStrategy[dict[str, Any]]:
    rules = st.dictionaries(st.sampled_from(RULE_KEYS), json_values, max_size=4)
    tools = st.dictionaries(st.text(max_size=20), rules, max_size=4)
    return st.fixed_dictionaries({"version": st.just("1"), "tools": tools}, optional={"default": json_values})


tried: dict[str, int] = {}


def count(name: str) -> None:
    tried[name] = tried.get(name, 0) + 1


@FUZZ
@given(documents(CONFIG_KEYS), st.booleans())
def test_any_config_document_loads_or_is_refused_with_its_problems(document: dict[str, Any], as_yaml: bool) -> None:
    count("config")
    text = yaml.safe_dump(document) if as_yaml else json.dumps(document, allow_nan=True)
    try:
        config_from_text(text, "fuzz.yaml")
    except ConfigError as exc:
        assert exc.problems, "a ConfigError must list its problems"


@FUZZ
@given(st.one_of(documents(POLICY_KEYS), policies()), st.booleans())
def test_any_policy_document_compiles_or_is_refused_with_its_problems(document: dict[str, Any], as_yaml: bool) -> None:
    count("policy")
    text = yaml.safe_dump(document) if as_yaml else json.dumps(document, allow_nan=True)
    try:
        compile_policy(policy_from_text(text, "fuzz.json"))
    except ConfigError as exc:
        assert exc.problems, "a ConfigError must list its problems"


@FUZZ
@given(st.text(max_size=300))
def test_any_text_as_a_config_is_loaded_or_refused(text: str) -> None:
    count("config-text")
    try:
        config_from_text(text, "fuzz.yaml")
    except ConfigError as exc:
        assert exc.problems


def mcp_bodies() -> st.SearchStrategy[bytes]:
    """Bodies a hostile client might send: JSON-RPC-shaped messages with any fields, batches, raw bytes."""
    message = st.fixed_dictionaries(
        {},
        optional={
            "jsonrpc": st.sampled_from(["2.0", "1.0", 2]) | json_values,
            "id": st.integers() | st.text(max_size=10) | json_values,
            "method": st.sampled_from(["tools/call", "tools/list", "initialize", "ping", "resources/read"]) | st.text(),
            "params": st.fixed_dictionaries(
                {},
                optional={"name": st.text(max_size=30) | json_values, "arguments": json_values, "_meta": json_values},
            )
            | json_values,
        },
    )
    as_json = st.one_of(message, st.lists(message, max_size=3), json_values).map(
        lambda v: json.dumps(v, allow_nan=True).encode()
    )
    return st.one_of(as_json, st.binary(max_size=200))


def header_sets() -> st.SearchStrategy[dict[str, str]]:
    # Any visible ASCII (what an HTTP client can send at all; h11 refuses leading or trailing blanks).
    printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40).map(
        lambda v: v.strip() or "x"
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "mcp-protocol-version": st.sampled_from(["2026-07-28", "2025-11-25", "1999-01-01"]) | printable,
            "mcp-method": printable,
            "mcp-name": printable,
            "mcp-session-id": printable,
            "content-type": st.sampled_from(["application/json", "text/plain"]) | printable,
            "accept": st.sampled_from([ACCEPT, "application/json", "*/*"]) | printable,
        },
    )


def test_the_http_front_survives_any_request_and_keeps_serving(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, ALLOW)
    seen: list[int] = []
    with running_gateway(config) as gw, httpx.Client(timeout=WAIT) as http:

        def good_call() -> None:
            body, headers = modern_request("tools/call", {"name": "fx__add", "arguments": {"a": 2, "b": 3}})
            answer = http.post(gw.url, json=body, headers={**headers, "authorization": f"Bearer {KEY_A}"})
            assert answer.status_code == 200, answer.text

        @FUZZ
        @given(mcp_bodies(), header_sets(), st.sampled_from(["POST", "POST", "GET", "DELETE", "PUT"]))
        def one(body: bytes, headers: dict[str, str], method: str) -> None:
            answer = http.request(method, gw.url, content=body, headers={**headers, "authorization": f"Bearer {KEY_A}"})
            seen.append(answer.status_code)
            if answer.status_code >= 500:
                error = (
                    answer.json().get("error")
                    if answer.headers.get("content-type", "").startswith("application/json")
                    else None
                )
                assert error and "message" in error, f"{answer.status_code} without a JSON-RPC error: {answer.text!r}"
            if len(seen) % 50 == 0:
                good_call()

        one()
        good_call()
        assert gw.process.poll() is None
        log = gw.stderr()
    print(f"\nHTTP front: {len(seen)} inputs tried, statuses {sorted(set(seen))}")
    assert "Traceback" not in log, log[-3000:]


def test_the_stdio_front_survives_any_line_and_keeps_serving(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, ALLOW, grants=None)
    document = json.loads(config.read_text())
    config.write_text(json.dumps({**document, "policy": "policy.json"}))  # stdio: no keys, one policy for all
    process = subprocess.Popen(
        [PYTHON, "-m", "portcullis", "stdio", "-c", str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    inputs = 0
    try:
        assert process.stdin is not None and process.stdout is not None
        stdin, stdout = process.stdin, process.stdout

        def exchange(line: bytes, rid: int) -> dict[str, Any]:
            """Send ``line`` then a ping with id ``rid``; every line read back must be JSON-RPC, until the pong."""
            stdin.write(line.replace(b"\n", b" ") + b"\n")
            stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "ping"}).encode() + b"\n")
            stdin.flush()
            while True:
                out = stdout.readline()
                assert out, "portcullis stdio stopped"
                message: dict[str, Any] = json.loads(out)
                assert message.get("jsonrpc") == "2.0", message
                if message.get("id") == rid and "result" in message:
                    return message

        hello = {
            "jsonrpc": "2.0",
            "id": "init",
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "f", "version": "0"},
            },
        }
        exchange(json.dumps(hello).encode(), -1)

        @FUZZ
        @given(mcp_bodies())
        def one(line: bytes) -> None:
            nonlocal inputs
            inputs += 1
            exchange(line, 10**9 + inputs)

        one()
        call = {
            "jsonrpc": "2.0",
            "id": "c",
            "method": "tools/call",
            "params": {"name": "fx__add", "arguments": {"a": 1, "b": 2}},
        }
        exchange(json.dumps(call).encode(), -2)
        assert process.poll() is None
    finally:
        process.kill()
        process.wait(timeout=WAIT)
    print(f"\nstdio front: {inputs} inputs tried")
    assert inputs >= 100


def test_the_fuzzers_ran() -> None:
    """The loader fuzzers above ran their inputs (a strategy that generated nothing would pass silently)."""
    asyncio.run(asyncio.sleep(0))
    assert tried.get("config", 0) >= 100 and tried.get("policy", 0) >= 100, tried
    print(f"\nloaders: {tried}")


def test_the_rest_api_survives_schemathesis(tmp_path: Path) -> None:
    """``schemathesis`` (its CLI, as an operator would run it) generates requests for every operation of
    ``/api/v1/openapi.json`` with an admin token; no answer may be a server error."""
    from tests.console.support import ADMIN, console_folder

    config = console_folder(tmp_path, ALLOW)
    command = Path(PYTHON).parent / "schemathesis"
    with running_gateway(config) as gw:
        done = subprocess.run(
            [
                str(command),
                "run",
                f"{gw.base_url}/api/v1/openapi.json",
                "--checks",
                "not_a_server_error",
                "-H",
                f"Authorization: Bearer {ADMIN}",
                "--max-examples",
                "10",
                "--phases",
                "examples,fuzzing",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            cwd=tmp_path,  # its cache (.schemathesis/) goes there, not into the checkout
        )
        assert gw.process.poll() is None
    summary = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
    print(f"\nREST API: {summary.group(0) if summary else done.stdout[-500:]}")
    assert done.returncode == 0, done.stdout[-5000:]
    assert summary is not None and int(summary.group(1)) >= 100 and summary.group(1) == summary.group(2)
