"""Replay a draft policy over the audit trail: per tool, which recorded calls it would decide differently.

- ``replay_draft(draft, audit_url, since=…, grant=…, server=…)`` / ``replay_for_config(config, draft)``
  → ``ReplayReport`` (the service the CLI and the console use);
- ``Replayer`` is the pure core (recorded calls in, in time order), ``render_report`` the text view.
"""

from __future__ import annotations

from portcullis.replay.engine import RecordedCall, Replayer, ReplayReport, ToolReport
from portcullis.replay.render import render_report
from portcullis.replay.service import replay_draft, replay_for_config

__all__ = [
    "RecordedCall",
    "ReplayReport",
    "Replayer",
    "ToolReport",
    "render_report",
    "replay_draft",
    "replay_for_config",
]
