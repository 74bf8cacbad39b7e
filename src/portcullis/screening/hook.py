"""Where result screening meets the call path: screen an upstream's result, note it on the call's record.

A finding is logged, and appended to the reason of the call's audit record (so ``portcullis audit``
shows what was found and what was done); a withheld result is audited with outcome ``withheld``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Protocol

from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.screening.screen import screen_result
from portcullis.screening.settings import ScreeningSettings

__all__ = ["screen_call"]

log = logging.getLogger("portcullis.screening")


class _Flight(Protocol):
    call: CallInfo
    admission: Admission


def screen_call(
    settings: ScreeningSettings, flight: _Flight, result: dict[str, Any], outcome: str
) -> tuple[dict[str, Any], str]:
    """The result to send and the outcome to record, once ``result`` is screened by the tool's rule."""
    call = flight.call
    rule = settings.rule_for(call.server, call.tool)
    if not rule.active:
        return result, outcome
    screened = screen_result(result, rule)
    if not screened.findings:
        return result, outcome
    summary = screened.summary()
    reason = flight.admission.reason
    flight.admission = replace(flight.admission, reason=f"{reason}; {summary}" if reason else summary)
    log.warning("%s (tool %s)", summary, call.exposed)
    return screened.result, "withheld" if screened.withheld else outcome
