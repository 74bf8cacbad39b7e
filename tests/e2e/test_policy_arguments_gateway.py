"""Arguments through a running gateway in front of a server built on the ``mcp`` SDK (issues 8.9, 9.7, 9.8).

The upstream is ``tests/servers/coercing_server.py``: an ``MCPServer`` whose ``transfer(amount: float)``
takes ``"5000"``, ``"5e3"``, ``" 5000 "`` and ``true`` as numbers, as servers on the common SDKs do.

- A numeric rule (``deny_if amount gt 1000``, ``require``) fails closed on an
  argument that is not a JSON number: the call is denied saying it must be a number, and nothing moves.
- ``regex`` and string comparisons see NFKC text without zero-width characters.
- A call that does not fit the tool's own schema is refused before a person is asked (no approval
  request is opened), naming the argument and quoting only an excerpt of a long value.
- An upstream schema that is not valid JSON Schema blocks nothing and crashes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.support import KEY_A, assert_denied, assert_passed, cli_json, connect, gateway_folder, text_of
from tests.harness import SERVERS, running_gateway, stdio_server

BANK = SERVERS / "coercing_server.py"
POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "bank__transfer": {
            "deny_if": [
                {
                    "conditions": [{"path": "args.amount", "op": "gt", "value": 1000}],
                    "on_deny": "Transfers above 1000 need a person",
                },
                {
                    "conditions": [{"path": "args.to", "op": "regex", "value": "attacker"}],
                    "on_deny": "Not to that account",
                },
            ],
            "require": [{"path": "args.to", "op": "not_in", "value": ["blocked"]}],
        },
        "bank__moved": {},
        "bank__broken_schema": {},
    },
}


def _folder(tmp_path: Path, policy: dict[str, Any] = POLICY) -> Path:
    return gateway_folder(tmp_path, policy, {"bank": stdio_server(BANK)}, approvals={"timeout": "0s"})


async def test_numeric_rules_fail_closed_on_arguments_that_are_not_json_numbers(tmp_path: Path) -> None:
    with running_gateway(_folder(tmp_path)) as gw:
        async with connect(gw.url, KEY_A) as agent:
            for sneaky in ["5000", "5e3", " 5000 ", [5000], None, True, "1e400"]:
                result = await agent.call_tool("bank__transfer", {"amount": sneaky, "to": "savings"})
                meta = assert_denied(result, "$.tools.bank__transfer.deny_if[0]")
                assert meta["argument"] == "amount", meta
                assert "argument 'amount' must be a JSON number" in text_of(result), text_of(result)
            assert text_of(await agent.call_tool("bank__moved", {})) == "0"  # nothing moved

            # Numbers still work both ways.
            assert_denied(
                await agent.call_tool("bank__transfer", {"amount": 5000, "to": "savings"}),
                "$.tools.bank__transfer.deny_if[0]",
            )
            assert_passed(
                await agent.call_tool("bank__transfer", {"amount": 500, "to": "savings"}), "moved 500 to savings"
            )

            # Strings are compared as people read them: full-width letters and zero-width spaces do not hide.
            for disguised in ["ａｔｔａｃｋｅｒ", "att\u200backer", "atta\u2060cker-2"]:
                assert_denied(
                    await agent.call_tool("bank__transfer", {"amount": 1, "to": disguised}),
                    "$.tools.bank__transfer.deny_if[1]",
                )
            assert_denied(
                await agent.call_tool("bank__transfer", {"amount": 1, "to": "bl\u200bocked"}),
                "$.tools.bank__transfer.require[0]",
            )
            assert text_of(await agent.call_tool("bank__moved", {})) == "500"


async def test_a_call_that_does_not_fit_the_tools_schema_asks_no_person(tmp_path: Path) -> None:
    policy = {**POLICY, "tools": {**POLICY["tools"], "bank__transfer": {"action": "require_approval"}}}
    folder = _folder(tmp_path, policy).parent
    with running_gateway(folder / "portcullis.yaml") as gw:
        async with connect(gw.url, KEY_A) as agent:
            long_value = "9" * 3000 + "x"
            result = await agent.call_tool("bank__transfer", {"amount": long_value, "to": "savings"})
            meta = assert_denied(result, "catalog.input_schema")
            assert meta["argument"] == "amount", meta
            text = text_of(result)
            assert "argument 'amount' rejected by the tool's schema" in text and "is not of type" in text, text
            assert long_value not in text and len(text) < 600, text  # an excerpt, not the whole value
            missing = await agent.call_tool("bank__transfer", {"amount": 5})
            assert decision_argument(missing) == "to", missing
            # Nobody was asked: no approval request was opened for either call.
            assert cli_json(folder, "approvals", "list") == []
            # A call that fits is held for a person as the policy says.
            held = await agent.call_tool("bank__transfer", {"amount": 5, "to": "savings"})
            assert held.is_error and "pending approval" in text_of(held), held
            assert len(cli_json(folder, "approvals", "list")) == 1

            # A broken upstream schema is logged and blocks nothing.
            assert_passed(await agent.call_tool("bank__broken_schema", {"a": "hi"}), "ran with 'hi'")
        assert "invalid inputSchema" in gw.stderr() and "Traceback" not in gw.stderr(), gw.stderr()


def decision_argument(result: Any) -> str | None:
    meta = assert_denied(result, "catalog.input_schema")
    argument: str | None = meta.get("argument")
    return argument
