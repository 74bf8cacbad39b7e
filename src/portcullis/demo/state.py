"""The demo upstream's in-memory world: a notebook, a fake ledger and a table of records.

Pure data and rules, no MCP: the server module maps tools onto these methods. Everything is lost
when the process ends; no money or file is ever touched.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

__all__ = ["DemoState", "InvalidCursor", "LedgerError", "Page", "decode_cursor", "encode_cursor", "paginate"]


class LedgerError(ValueError):
    """A transfer the fake ledger refuses (unknown account, bad amount, not enough funds)."""


class InvalidCursor(ValueError):
    """A pagination cursor this server did not mint."""


@dataclass(frozen=True)
class Page:
    """One page of a list: the items and the cursor of the next page (None on the last)."""

    items: tuple[str, ...]
    next_cursor: str | None


def encode_cursor(offset: int) -> str:
    """An opaque cursor for a list offset."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset inside a cursor minted by :func:`encode_cursor`; 0 for no cursor."""
    if cursor is None:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor(f"invalid cursor {cursor!r}") from exc
    if kind != "offset" or offset < 0:
        raise InvalidCursor(f"invalid cursor {cursor!r}")
    return offset


def paginate(keys: list[str] | tuple[str, ...], cursor: str | None, page_size: int) -> Page:
    """Cut ``keys`` into pages of ``page_size`` behind opaque cursors."""
    offset = decode_cursor(cursor)
    if offset > len(keys):
        raise InvalidCursor(f"invalid cursor {cursor!r}")
    end = offset + page_size
    return Page(tuple(keys[offset:end]), encode_cursor(end) if end < len(keys) else None)


def _default_notes() -> dict[str, str]:
    return {
        "welcome": "Welcome to the Portcullis demo. Every call you make here passed the gateway's policy.",
        "groceries": "eggs, flour, milk, coffee",
        "ideas": "a gateway that says no politely",
    }


def _default_accounts() -> dict[str, float]:
    return {"checking": 1000.0, "savings": 5000.0, "treasury": 100000.0}


@dataclass
class DemoState:
    """Notes, ledger accounts and records, mutated by the demo's tools."""

    notes: dict[str, str] = field(default_factory=_default_notes)
    accounts: dict[str, float] = field(default_factory=_default_accounts)
    records: tuple[str, ...] = tuple(f"record-{i:02d}" for i in range(1, 24))
    transfers: list[tuple[str, str, float]] = field(default_factory=list)

    def write_note(self, name: str, text: str) -> bool:
        """Create or replace a note; True when it already existed."""
        existed = name in self.notes
        self.notes[name] = text
        return existed

    def delete_note(self, name: str) -> bool:
        """Delete a note; False when there was none."""
        return self.notes.pop(name, None) is not None

    def transfer(self, source: str, target: str, amount: float) -> dict[str, float]:
        """Move ``amount`` between two accounts and return both new balances."""
        for account in (source, target):
            if account not in self.accounts:
                raise LedgerError(f"unknown account {account!r}; accounts: {', '.join(sorted(self.accounts))}")
        if source == target:
            raise LedgerError("source and target are the same account")
        if not amount > 0:
            raise LedgerError("amount must be greater than 0")
        if self.accounts[source] < amount:
            raise LedgerError(f"insufficient funds in {source!r} ({self.accounts[source]:.2f})")
        self.accounts[source] -= amount
        self.accounts[target] += amount
        self.transfers.append((source, target, amount))
        return {source: self.accounts[source], target: self.accounts[target]}

    def report(self, kind: str) -> str:
        """A harmless canned report over the notes and the ledger."""
        if kind == "note_count":
            return f"{len(self.notes)} notes"
        if kind == "word_count":
            return f"{sum(len(t.split()) for t in self.notes.values())} words in {len(self.notes)} notes"
        if kind == "ledger":
            return "; ".join(f"{a}={b:.2f}" for a, b in sorted(self.accounts.items()))
        raise ValueError(f"unknown report {kind!r}; reports: note_count, word_count, ledger")
