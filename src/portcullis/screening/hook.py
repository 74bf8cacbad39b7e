"""Where result screening meets the call path: screen an upstream's result, note it on the call's record.

A finding is logged, and appended to the reason of the call's audit record (so ``portcullis audit``
shows what was found and what was done); a withheld result is audited with outcome ``withheld``.
A resource read or a prompt (``screen_read_result``) reaches the model as a tool's result does: screened by
the rule for ``<server>__<prompt name>`` or ``<server>__<resource URI>``; a withheld one is a JSON-RPC error.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Protocol

from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.protocol import JsonRpcError
from portcullis.protocol.constants import RESULT_WITHHELD
from portcullis.screening.screen import screen_read, screen_result
from portcullis.screening.settings import ScreeningSettings

__all__ = ["screen_call", "screen_read_result"]

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


def screen_read_result(
    settings: ScreeningSettings | None, server: str, name: str, what: str, result: dict[str, Any]
) -> dict[str, Any]:
    """The ``resources/read`` or ``prompts/get`` result to send (``what``: "resource" or "prompt"; ``name``: its
    URI or the prompt's name at the server), once screened; withheld: the error the client gets instead."""
    if settings is None:
        return result
    rule = settings.rule_for(server, name)
    if not rule.active:
        return result
    screened = screen_read(result, rule)
    if not screened.findings:
        return result
    log.warning("%s (%s %s of server %s)", screened.summary(), what, name, server)
    if screened.withheld:
        lines = "; ".join(f"{f.kind} in {f.where} ({f.evidence})" for f in screened.findings[:5])
        raise JsonRpcError(
            RESULT_WITHHELD,
            f"The gateway withheld this {what}: {lines}. Ask the operator to look at it (the gateway's log has the "
            "details) or to change the 'screening' setting for it.",
            {"findings": [f.as_dict() for f in screened.findings]},
        )
    return screened.result
