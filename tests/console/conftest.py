"""Registers the ``browser`` fixture of ``tests/console/support.py`` for every test of this folder."""

from __future__ import annotations

from tests.console.support import browser

__all__ = ["browser"]
