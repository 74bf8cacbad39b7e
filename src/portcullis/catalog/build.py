"""Which build of the classifier this install runs: compiled with mypyc, or pure Python, and why.

A standard wheel compiles the classifier when its build machine can (``hatch_build.py`` at the repository's root)
and falls back to pure Python when it cannot; the wheel then carries ``portcullis/_build.json`` saying which and
why. What runs is read from where the classifier's module was found (a compiled module's file is a shared library),
without importing it. ``portcullis --version``, the gateway's start-up lines and ``bench/classify.py`` say it.
"""

from __future__ import annotations

import importlib.util
import json
from importlib import resources

__all__ = ["COMPILED", "PURE", "classifier_build", "classifier_build_line"]

COMPILED = "compiled (mypyc)"
PURE = "pure Python"
_LIBRARY_SUFFIXES = (".so", ".pyd")


def classifier_build() -> str:
    """``COMPILED`` when the classifier that ``import portcullis.catalog.classify`` loads is compiled, else ``PURE``."""
    spec = importlib.util.find_spec("portcullis.catalog.classify")
    origin = spec.origin if spec is not None else None
    return COMPILED if origin is not None and origin.endswith(_LIBRARY_SUFFIXES) else PURE


def _build_reason() -> str:
    """Why the wheel's build left the classifier pure Python, as its build recorded it ("" when not recorded)."""
    try:
        raw = resources.files("portcullis").joinpath("_build.json").read_text(encoding="utf-8")
        recorded = json.loads(raw)
    except (OSError, ValueError):  # not installed from a wheel (an editable install, the sources): nothing recorded
        return ""
    reason = recorded.get("reason") if isinstance(recorded, dict) else None
    return reason if isinstance(reason, str) else ""


def classifier_build_line() -> str:
    """One line for people: ``classifier: compiled (mypyc)``, or ``classifier: pure Python`` and why, with how to
    get the compiled one."""
    build = classifier_build()
    if build == COMPILED:
        return f"classifier: {COMPILED}"
    reason = _build_reason() or "running from the sources, an editable install or src/ on the path: never compiled"
    return (
        f"classifier: {PURE} ({reason}; slower, the same answers: `pip install .` with a C compiler and Python's "
        "headers installs the compiled one)"
    )
