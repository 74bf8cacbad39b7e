"""Registers the fixtures of ``tests/e2e/support.py`` for every test of this folder."""

from __future__ import annotations

from tests.e2e.support import redis_prefix

__all__ = ["redis_prefix"]
