"""Portcullis: an MCP gateway that sees every tool, classifies its risk and enforces policy on every call."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
