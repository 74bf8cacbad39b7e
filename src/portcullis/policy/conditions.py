"""Argument conditions ``{path, op, value}``: resolve a dotted path in the arguments and test it.

Operators: ``eq neq in not_in lt lte gt gte regex contains exists``. Comparisons follow JSON, not
Python: ``true`` is not ``1``; ``1`` equals ``1.0``; a number compares only with a number.
A path that is absent makes ``exists`` false, ``neq``/``not_in`` true (absent equals nothing) and every
other operator false. ``regex`` searches (anchor it with ``^…$`` to match the whole string).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import orjson

from portcullis.policy.model import ConditionSpec

__all__ = ["MISSING", "OPERATORS", "Predicate", "compile_condition", "describe", "json_equal", "resolve",
           "value_problem"]

OPERATORS: Final = ("eq", "neq", "in", "not_in", "lt", "lte", "gt", "gte", "regex", "contains", "exists")


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = _Missing()

Predicate = Callable[[Any], bool]  # takes the resolved value (or MISSING)


def resolve(arguments: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """Follow ``path`` through maps (and lists, by index); ``MISSING`` when it leads nowhere."""
    current: Any = arguments
    for part in path:
        if isinstance(current, Mapping):
            if part not in current:
                return MISSING
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return MISSING
    return current


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) or _is_number(b):
        return _is_number(a) and _is_number(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return a is None and b is None


def _member(values: list[Any]) -> Predicate:
    strings = frozenset(v for v in values if isinstance(v, str))
    others = [v for v in values if not isinstance(v, str)]

    def member(actual: Any) -> bool:
        if isinstance(actual, str):
            return actual in strings
        return any(json_equal(actual, v) for v in others)

    return member


def _contains(value: Any) -> Predicate:
    def contains(actual: Any) -> bool:
        if isinstance(actual, str):
            return isinstance(value, str) and value in actual
        if isinstance(actual, list):
            return any(json_equal(item, value) for item in actual)
        if isinstance(actual, Mapping):
            return isinstance(value, str) and value in actual
        return False

    return contains


def value_problem(op: str, value: Any, has_value: bool) -> str | None:
    """What is wrong with ``value`` for ``op`` (None when fine)."""
    if op not in OPERATORS:
        return f"unknown operator {op!r}; use one of: {', '.join(OPERATORS)}"
    if op == "exists":
        return None if not has_value or isinstance(value, bool) else "operator 'exists' takes true or false"
    if not has_value:
        return f"operator {op!r} needs a 'value'"
    if op in ("in", "not_in"):
        return None if isinstance(value, list) else f"operator {op!r} takes a list"
    if op in ("lt", "lte", "gt", "gte"):
        ok = _is_number(value) and math.isfinite(value)
        return None if ok else f"operator {op!r} takes a number"
    if op == "regex":
        if not isinstance(value, str):
            return "operator 'regex' takes a string"
        try:
            re.compile(value)
        except re.error as exc:
            return f"not a valid regular expression: {exc}"
    return None


def compile_condition(spec: ConditionSpec) -> Predicate:
    """The predicate for one condition, applied to the resolved value."""
    op, value = spec.op, spec.value
    if op == "exists":
        want = value is not False
        return lambda actual: (actual is not MISSING) == want
    if op == "eq":
        return lambda actual: actual is not MISSING and json_equal(actual, value)
    if op == "neq":
        return lambda actual: actual is MISSING or not json_equal(actual, value)
    if op == "in":
        member = _member(value)
        return lambda actual: actual is not MISSING and member(actual)
    if op == "not_in":
        member = _member(value)
        return lambda actual: actual is MISSING or not member(actual)
    if op == "regex":
        search = re.compile(value).search
        return lambda actual: isinstance(actual, str) and search(actual) is not None
    if op == "contains":
        contains = _contains(value)
        return lambda actual: actual is not MISSING and contains(actual)
    compare: Callable[[float, float], bool] = {
        "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
        "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
    }[op]
    return lambda actual: _is_number(actual) and compare(actual, value)


def describe(op: str, value: Any) -> str:
    """``lte 1000`` → ``at most 1000``, for messages an agent reads."""
    shown = repr(value) if isinstance(value, str) else _json(value)
    return {
        "eq": f"equal to {shown}", "neq": f"different from {shown}", "in": f"one of {shown}",
        "not_in": f"not one of {shown}", "lt": f"less than {shown}", "lte": f"at most {shown}",
        "gt": f"greater than {shown}", "gte": f"at least {shown}", "regex": f"matching /{value}/",
        "contains": f"containing {shown}", "exists": "present" if value is not False else "absent",
    }[op]


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)
