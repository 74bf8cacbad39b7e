"""``policy check`` warnings: numeric rules whose argument has no number type anywhere (issue 8.9)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from portcullis.catalog.pin_stores import SqlitePinStore
from portcullis.catalog.pins import Pin
from portcullis.cli import main
from portcullis.policy import policy_from_text
from portcullis.policy.lint import declares_number, numeric_warnings

NUMBER = {"type": "object", "properties": {"amount": {"type": "number"}}}
TEXT = {"type": "object", "properties": {"amount": {"type": "string"}}}


def warnings_for(rule: dict[str, Any], tools: dict[tuple[str, str], dict[str, Any]] | None) -> list[str]:
    model = policy_from_text(orjson.dumps({"tools": {"pay__*": rule}}).decode())
    return [w.location for w in numeric_warnings(model, tools)]


def test_declares_number() -> None:
    assert declares_number(NUMBER, ("amount",)) and not declares_number(TEXT, ("amount",))
    nested = {"properties": {"a": {"items": {"properties": {"b": {"type": ["integer", "number"]}}}}}}
    assert declares_number(nested, ("a", "0", "b")) and not declares_number(nested, ("a", "b"))
    assert not declares_number(None, ("amount",)) and not declares_number({"type": ["number", "null"]}, ())


def test_numeric_rules_without_a_number_type_are_flagged() -> None:
    rule = {
        "deny_if": [
            {
                "conditions": [
                    {"path": "args.amount", "op": "gt", "value": 1000},
                    {"path": "args.to", "op": "eq", "value": "x"},
                ]
            }
        ],
        "require": [{"path": "args.amount", "op": "lte", "value": 5000}],
        "limits": [{"window": "day", "max": 10, "cost": "args.amount"}],
    }
    flagged = [
        "$.tools['pay__*'].require[0]",
        "$.tools['pay__*'].deny_if[0].conditions[0]",
        "$.tools['pay__*'].limits[0].cost",
    ]
    assert warnings_for(rule, None) == flagged
    assert warnings_for(rule, {("pay", "send"): {"inputSchema": TEXT}}) == flagged
    assert warnings_for(rule, {("pay", "send"): {"inputSchema": NUMBER}, ("other", "x"): {}}) == []
    assert warnings_for({**rule, "args": NUMBER}, None) == []
    # One of the tools it names takes the amount as text: still worth a look.
    assert warnings_for(rule, {("pay", "a"): {"inputSchema": NUMBER}, ("pay", "b"): {"inputSchema": TEXT}}) == flagged


def test_policy_check_prints_warnings_and_still_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(
        '{"version": "1",\n "tools": {"pay__send": {\n  "deny_if": [{"conditions": '
        '[{"path": "args.amount", "op": "gt", "value": 1000}]}]}}}\n'
    )
    assert main(["policy", "check", str(policy), "-c", str(tmp_path / "portcullis.yaml")]) == 0
    out = capsys.readouterr().out
    assert f"{policy}: ok (1 entries, default deny), 1 warning(s)" in out
    assert (
        f"  {policy}:3: $.tools.pay__send.deny_if[0].conditions[0]: warning: argument 'amount' is compared as a number"
    ) in out
    assert main(["policy", "check", "--json", str(policy)]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["files"][0]["warnings"][0]["line"] == 3


def test_policy_check_reads_the_approved_tools_of_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "portcullis.yaml").write_text("servers: {pay: {command: x}}\n")
    store = SqlitePinStore(tmp_path / "portcullis.pins.db")
    asyncio.run(store.save([Pin.of("pay", {"name": "send", "inputSchema": NUMBER}, 0.0, "test")]))
    asyncio.run(store.close())
    policy = tmp_path / "policy.yaml"
    policy.write_text("tools:\n  pay__send:\n    deny_if: [{conditions: [{path: args.amount, op: gt, value: 9}]}]\n")
    assert main(["policy", "check", str(policy), "-c", str(tmp_path / "portcullis.yaml")]) == 0
    assert "warning" not in capsys.readouterr().out
