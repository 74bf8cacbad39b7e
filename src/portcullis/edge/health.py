"""What ``/healthz`` answers: the gateway's status from its upstreams' states, and the HTTP status for it.

```yaml
health:
  fail_when: none_ready   # 503 when no upstream is ready (default); any_down: 503 as soon as one is not
                          # ready; never: always 200 (the body still says degraded or down)
```

``status`` is ``ok`` (every upstream ready), ``degraded`` (some are not: ``detail`` names them and their
state) or ``down`` (none is). A pure function of the states, so it is tested without a network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from portcullis._plumbing.sections import unknown_keys
from portcullis.errors import ConfigError, Problem

__all__ = ["FAIL_WHEN", "HealthSettings", "health_status"]

FailWhen = Literal["none_ready", "any_down", "never"]
FAIL_WHEN: tuple[FailWhen, ...] = ("none_ready", "any_down", "never")


@dataclass(frozen=True)
class HealthSettings:
    """The ``health:`` section of ``portcullis.yaml``."""

    fail_when: FailWhen = "none_ready"

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], file: str = "portcullis.yaml") -> HealthSettings:
        """Validate the ``health`` map; raise ``ConfigError`` listing every problem."""
        problems = [Problem(file, path, message) for path, message in unknown_keys(raw, ("fail_when",), "$.health")]
        fail_when = raw.get("fail_when", "none_ready")
        if fail_when not in FAIL_WHEN:
            problems.append(
                Problem(
                    file,
                    "$.health.fail_when",
                    f"must be one of {', '.join(FAIL_WHEN)} (when /healthz answers 503), got {fail_when!r}",
                )
            )
        if problems:
            raise ConfigError(problems)
        return cls(fail_when=fail_when)


def health_status(states: Mapping[str, str], settings: HealthSettings) -> tuple[int, dict[str, Any]]:
    """The HTTP status and the head of the ``/healthz`` body (``status``, ``detail``, ``ready``, ``total``)
    for upstreams in these states (server name → ``ready``, ``connecting``, ``restarting``, …)."""
    down = {name: state for name, state in states.items() if state != "ready"}
    total, ready = len(states), len(states) - len(down)
    if not down:
        status, detail = "ok", f"all {total} upstream(s) ready"
    else:
        status = "down" if ready == 0 else "degraded"
        names = ", ".join(f"'{name}' is {state}" for name, state in down.items())
        detail = f"{ready} of {total} upstream(s) ready: {names}"
    failing = (settings.fail_when == "any_down" and bool(down)) or (
        settings.fail_when == "none_ready" and status == "down"
    )
    return (503 if failing else 200), {"status": status, "detail": detail, "ready": ready, "total": total}
