"""Garbage-collector settings for a long-running gateway, applied once its start-up is done.

Everything alive after start-up (modules, the config, compiled policies, upstream sessions) lives as
long as the process: ``gc.freeze()`` moves it out of the collector's view, so a full collection no
longer walks it. A call allocates a few hundred short-lived containers; with the default first-generation
threshold (700) a busy gateway collects generation 0 every few calls, and now and then a collection of
the older generations stops every call in flight for milliseconds, the bulk of the tail latency under
load. A higher threshold makes collections rarer; most of a call's objects are freed by reference
counting anyway, so the heap does not grow for it.
"""

from __future__ import annotations

import gc

__all__ = ["FIRST_GENERATION_THRESHOLD", "settle"]

FIRST_GENERATION_THRESHOLD = 20_000


def settle() -> None:
    """Collect once, freeze what survived start-up, and raise the first generation's threshold."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION_THRESHOLD, second, third)
