"""Registers the ``browser`` and ``shots`` fixtures of ``tests/console/support.py`` for every test of this folder."""

from __future__ import annotations

from tests.console.support import browser, shots

__all__ = ["browser", "shots"]
