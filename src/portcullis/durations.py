"""The duration grammar now lives in ``portcullis._plumbing.durations``; this module re-exports it.

Kept only so that code written against the old name keeps importing while other branches land;
new code imports ``portcullis._plumbing.durations``. Remove once nothing imports ``portcullis.durations``.
"""

from __future__ import annotations

from portcullis._plumbing.durations import GRAMMAR, format_duration, is_duration_text, parse_duration

__all__ = ["GRAMMAR", "format_duration", "is_duration_text", "parse_duration"]
