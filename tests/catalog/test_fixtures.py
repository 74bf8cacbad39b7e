"""The classifier on catalogues from real servers: agreement with their MCP annotations, and hard cases."""

from __future__ import annotations

from typing import Any

from portcullis.catalog.classify import classify_tool
from portcullis.catalog.recommend import recommend_entry


def _agreement(tools: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    agree, total, misses = 0, 0, []
    for tool in tools:
        annotations = tool.get("annotations") or {}
        if "readOnlyHint" not in annotations:
            continue
        total += 1
        c = classify_tool(tool)
        if (annotations["readOnlyHint"] is True) == (c.category == "read"):
            agree += 1
        else:
            misses.append(f"{tool['name']}: {c.category}")
    return agree, total, misses


def test_reference_servers_read_vs_mutating_agreement_is_at_least_97_percent(
    reference_tools: list[dict[str, Any]],
) -> None:
    agree, total, misses = _agreement(reference_tools)
    assert total == 56
    assert agree / total >= 0.97, misses


def test_stripe_read_vs_mutating_agreement_is_total(stripe_tools: list[dict[str, Any]]) -> None:
    agree, total, misses = _agreement(stripe_tools)
    assert total == 22
    assert agree == total, misses


def test_every_tool_annotated_destructive_is_destructive_or_critical(
    reference_tools: list[dict[str, Any]], stripe_tools: list[dict[str, Any]]
) -> None:
    checked = 0
    for tool in reference_tools + stripe_tools:
        annotations = tool.get("annotations") or {}
        if annotations.get("destructiveHint") is True and annotations.get("readOnlyHint") is not True:
            checked += 1
            c = classify_tool(tool)
            assert c.category == "destructive" or c.level == "critical", (tool["name"], c)
    assert checked == 8


def test_seed_listen_key_tools_are_mutating_and_rate_limited(sperax_tools: list[dict[str, Any]]) -> None:
    by_name = {t["name"]: t for t in sperax_tools}
    for name in ("BinanceOptionsCreateListenKey", "binance_us_create_listen_key"):
        c = classify_tool(by_name[name])
        assert c.mutating, c
        entry = recommend_entry(f"sperax__{name}", c)
        assert entry["limits"][0]["window"] == "minute", entry
        assert entry["limits"][0]["max"] <= 30


def test_sperax_withdraw_and_transfer_tools_are_financial(sperax_tools: list[dict[str, Any]]) -> None:
    moving = [
        t
        for t in sperax_tools
        if any(w in t["name"].lower() for w in ("withdraw", "transfer"))
        and not any(
            w in t["name"].lower() for w in ("history", "get", "query", "fetch", "max", "fee", "switch", "transfers")
        )
    ]
    assert len(moving) >= 20
    wrong = [t["name"] for t in moving if classify_tool(t).category != "financial"]
    assert wrong == []
    for name in ("gnfd_withdraw_from_payment", "api_ultrade_wallet_withdraw"):
        assert classify_tool(next(t for t in sperax_tools if t["name"] == name)).category == "financial"


def test_sperax_histories_of_money_moves_are_reads_with_financial_data(sperax_tools: list[dict[str, Any]]) -> None:
    histories = [t for t in sperax_tools if t["name"].lower().endswith(("withdrawhistory", "transfer_history"))]
    assert len(histories) >= 5
    for tool in histories:
        c = classify_tool(tool)
        assert c.category == "read", tool["name"]
        assert c.has("financial-data"), tool["name"]


def test_sperax_private_key_arguments_are_secret_material(sperax_tools: list[dict[str, Any]]) -> None:
    def arguments(t: dict[str, Any]) -> dict[str, Any]:
        return dict((t.get("inputSchema") or {}).get("properties") or {})

    with_keys = [t for t in sperax_tools if {"privateKey", "mnemonic"} & set(arguments(t))]
    assert len(with_keys) >= 50
    assert all(classify_tool(t).has("secret-material") for t in with_keys)


def test_sperax_leaves_few_tools_unclassified(sperax_tools: list[dict[str, Any]]) -> None:
    other = [t["name"] for t in sperax_tools if classify_tool(t).category == "other"]
    assert len(other) <= len(sperax_tools) // 50, other


def test_fetch_tool_description_is_flagged_as_instruction_like(reference_tools: list[dict[str, Any]]) -> None:
    fetch = next(t for t in reference_tools if t["name"] == "fetch")
    c = classify_tool(fetch)
    assert c.category == "read"
    assert c.has("instruction-in-description")
