"""Pinning: the canonical hash of a tool definition, a field-by-field diff, and where pins are kept.

A pin records what a person approved: the tool's name, description, input and output schemas and
annotations, as canonical JSON (sorted keys, no insignificant whitespace, ``null`` fields dropped),
and its SHA-256. When the upstream later lists a different definition, the hashes differ, the tool
is blocked (a "rug pull" defence) and ``diff_definitions`` says exactly which fields changed.

Where pins live follows the config's ``store``, so ``portcullis tools approve`` in a
shell reaches a running gateway, which re-reads pins every ``catalog.pin_poll_interval`` seconds:

- ``store: memory`` (the default): a SQLite file next to the config, ``portcullis.pins.db``
  (``catalog: {pins_file: PATH}`` moves it; ``pins_file: ":memory:"`` keeps pins in this process only).
- ``store: sqlite:///PATH``: the table ``portcullis_pins`` in that database file.
- ``store: redis://…``: one hash, ``portcullis:pins`` (``<prefix>pins`` when the URL has ``?prefix=``;
  field ``<server>/<tool>``, value the pin as JSON).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import orjson

__all__ = [
    "PINNED_FIELDS",
    "FieldChange",
    "MemoryPinStore",
    "Pin",
    "PinKey",
    "PinStore",
    "canonical_definition",
    "definition_hash",
    "diff_definitions",
]

PINNED_FIELDS = ("name", "description", "inputSchema", "outputSchema", "annotations")

PinKey = tuple[str, str]  # (server, tool)


def canonical_definition(tool: Mapping[str, Any]) -> dict[str, Any]:
    """The pinned part of a tool definition: ``PINNED_FIELDS`` that are present and not null."""
    return {k: tool[k] for k in PINNED_FIELDS if tool.get(k) is not None}


def definition_hash(tool: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of the definition: sorted keys, UTF-8, no whitespace."""
    return hashlib.sha256(orjson.dumps(canonical_definition(tool), option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class Pin:
    """An approved definition of one tool of one server."""

    server: str
    tool: str
    hash: str
    definition: dict[str, Any]
    approved_at: float
    approved_by: str

    @property
    def key(self) -> PinKey:
        return (self.server, self.tool)

    @classmethod
    def of(cls, server: str, tool: Mapping[str, Any], now: float, by: str) -> Pin:
        definition = canonical_definition(tool)
        return cls(server, str(tool.get("name", "")), definition_hash(tool), definition, now, by)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "server": self.server,
                "tool": self.tool,
                "hash": self.hash,
                "definition": self.definition,
                "approved_at": self.approved_at,
                "approved_by": self.approved_by,
            },
            option=orjson.OPT_SORT_KEYS,
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> Pin:
        d = orjson.loads(raw)
        return cls(
            str(d["server"]),
            str(d["tool"]),
            str(d["hash"]),
            dict(d.get("definition") or {}),
            float(d.get("approved_at", 0.0)),
            str(d.get("approved_by", "")),
        )


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One difference between an approved and a current definition, at a JSON path."""

    path: str  # ``description`` or ``inputSchema.properties.amount.maximum``
    kind: Literal["added", "removed", "changed"]
    old: Any = None
    new: Any = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "change": self.kind}
        if self.kind != "added":
            out["old"] = self.old
        if self.kind != "removed":
            out["new"] = self.new
        return out


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _diff(old: Any, new: Any, path: str, out: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            p = _join(path, str(key))
            if key not in new:
                out.append(FieldChange(p, "removed", old=old[key]))
            elif key not in old:
                out.append(FieldChange(p, "added", new=new[key]))
            else:
                _diff(old[key], new[key], p, out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, _join(path, i), out)
    elif old != new or type(old) is not type(new):
        out.append(FieldChange(path or "$", "changed", old=old, new=new))


def diff_definitions(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """Every field that differs between two definitions (only the pinned fields are compared)."""
    out: list[FieldChange] = []
    _diff(canonical_definition(old), canonical_definition(new), "", out)
    return out


class PinStore(Protocol):
    """Where pins are kept; every implementation passes ``tests/catalog/test_pin_stores.py``."""

    async def load(self) -> dict[PinKey, Pin]:
        """Every pin."""
        ...

    async def save(self, pins: Iterable[Pin]) -> None:
        """Insert or replace these pins."""
        ...

    async def delete(self, keys: Iterable[PinKey]) -> None:
        """Forget these pins (unknown keys are ignored)."""
        ...

    async def close(self) -> None: ...


class MemoryPinStore:
    """Pins in this process only (tests, and ``catalog: {pins_file: ":memory:"}``)."""

    def __init__(self) -> None:
        self._pins: dict[PinKey, Pin] = {}

    async def load(self) -> dict[PinKey, Pin]:
        return dict(self._pins)

    async def save(self, pins: Iterable[Pin]) -> None:
        for pin in pins:
            self._pins[pin.key] = pin

    async def delete(self, keys: Iterable[PinKey]) -> None:
        for key in keys:
            self._pins.pop(key, None)

    async def close(self) -> None:
        return None
