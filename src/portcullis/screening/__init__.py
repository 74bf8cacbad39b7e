"""Tool results screened before the agent reads them: secrets, instruction-like text, size (``screen``,
pure), as the ``screening:`` config section says (``settings``)."""

from __future__ import annotations

__all__: list[str] = []
