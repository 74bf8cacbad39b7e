"""The tool catalogue: every tool of every upstream, classified by risk, pinned when approved.

- ``classify``: one definition → category, level, signals with evidence (pure).
- ``recommend``: a catalogue → a default-deny policy in the policy format (pure).
- ``pins``: canonical hashes of definitions, field-by-field diffs, and the ``PinStore`` interface.
- ``catalog``: the ``Catalog`` a gateway holds, which says whether a tool is blocked and why.
"""

from __future__ import annotations

from portcullis.catalog.classify import Classification, OperationGuard, Signal, classify_tool

__all__ = ["Classification", "OperationGuard", "Signal", "classify_tool"]
