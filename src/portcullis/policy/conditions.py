"""Argument conditions ``{path, op, value}``: resolve a dotted path in the arguments and test it.

Operators: ``eq neq in not_in lt lte gt gte regex contains exists``. Comparisons follow JSON, not
Python: ``true`` is not ``1``; ``1`` equals ``1.0``; a number compares only with a number.
A path that is absent makes ``exists`` false, ``neq``/``not_in`` true (absent equals nothing) and every
other operator false. ``regex`` searches (anchor it with ``^…$`` to match the whole string).

A *numeric* condition (``lt lte gt gte``, or a number as the value, or a list of numbers for
``in``/``not_in``) needs a JSON number: ``argument_type_problem`` says so for ``"5000"``, ``[5000]``,
``null`` or ``true``, and the caller refuses the call (servers built on the common SDKs coerce such
values into numbers, so letting them pass would let ``"5000"`` through ``deny_if amount gt 1000``).

Strings are compared as people read them: both sides NFKC-normalised, with zero-width and other
invisible format characters removed (``normalise_text``), so ``ｄｒｏｐ`` or ``dr\u200bop`` is ``drop``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, Final

import orjson

from portcullis.policy.model import ConditionSpec

__all__ = [
    "MISSING",
    "OPERATORS",
    "Predicate",
    "argument_type_problem",
    "compile_condition",
    "describe",
    "excerpt",
    "is_numeric_condition",
    "json_equal",
    "json_number",
    "normalise_text",
    "resolve",
    "value_problem",
]

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
        if type(current) is dict:  # the usual case, without the (slower) Mapping check
            current = current.get(part, MISSING)
            if current is MISSING:
                return MISSING
        elif isinstance(current, Mapping):
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


def json_number(value: Any) -> float | None:
    """``value`` as a float when it is a finite JSON number (not a boolean, a string or NaN), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float: no server reads it as the number it claims
        return None
    return number if math.isfinite(number) else None


# Zero-width and invisible format characters: soft hyphen, combining grapheme joiner, Mongolian vowel
# separator, zero-width space/joiners, direction marks and embeddings, word joiner and invisible
# operators, isolates, BOM, and the tag block used to smuggle text past readers.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
)


def normalise_text(text: str) -> str:
    """``text`` as compared by conditions: NFKC, without zero-width or invisible format characters."""
    if text.isascii():
        return text
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def _normalised(value: Any) -> Any:
    """A policy value with every string in it normalised (lists and maps too)."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    if isinstance(value, Mapping):
        return {normalise_text(str(k)): _normalised(v) for k, v in value.items()}
    return value


def is_numeric_condition(op: str, value: Any) -> bool:
    """Whether the condition compares numbers, so that its argument must be a JSON number."""
    if op in ("lt", "lte", "gt", "gte"):
        return True
    if op in ("eq", "neq"):
        return _is_number(value)
    if op in ("in", "not_in"):
        return isinstance(value, list) and bool(value) and all(_is_number(v) for v in value)
    return False


def excerpt(value: Any, limit: int = 60) -> str:
    """``value`` as JSON for a message an agent reads, cut to about ``limit`` characters."""
    text = repr(value) if value is MISSING or (isinstance(value, float) and not math.isfinite(value)) else _json(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def argument_type_problem(argument: str, actual: Any) -> str | None:
    """Why ``actual`` cannot be the argument of a numeric condition (None when it is a JSON number or absent)."""
    if actual is MISSING or json_number(actual) is not None:
        return None
    return f"argument '{argument}' must be a JSON number, got {excerpt(actual)}"


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


def _member(values: list[Any], inside: bool) -> Predicate:
    """``in`` (``inside``) or ``not_in`` the ``values``; an absent argument is in nothing."""
    strings = frozenset(normalise_text(v) for v in values if isinstance(v, str))
    others = [_normalised(v) for v in values if not isinstance(v, str)]

    def member(actual: Any) -> bool:
        if type(actual) is str and actual.isascii():  # the usual case: normalise_text keeps it as it is
            return (actual in strings) == inside
        if actual is MISSING:
            return not inside
        if isinstance(actual, str):
            return (normalise_text(actual) in strings) == inside
        return any(json_equal(_normalised(actual), v) for v in others) == inside

    return member


def _string_equal(value: str) -> Predicate:
    """``eq`` a string: ``json_equal`` of a normalised value with a string is string equality."""

    def equal(actual: Any) -> bool:
        if type(actual) is str and actual.isascii():
            return actual == value
        return isinstance(actual, str) and normalise_text(actual) == value

    return equal


def _contains(value: Any) -> Predicate:
    value = _normalised(value)

    def contains(actual: Any) -> bool:
        if isinstance(actual, str):
            return isinstance(value, str) and value in normalise_text(actual)
        if isinstance(actual, list):
            return any(json_equal(_normalised(item), value) for item in actual)
        if isinstance(actual, Mapping):
            return isinstance(value, str) and any(normalise_text(str(k)) == value for k in actual)
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
    if op in ("eq", "neq") and isinstance(value, str):
        equal = _string_equal(normalise_text(value))
        return equal if op == "eq" else lambda actual: not equal(actual)  # MISSING is no string
    if op in ("eq", "neq"):
        value = _normalised(value)
        if op == "eq":
            return lambda actual: actual is not MISSING and json_equal(_normalised(actual), value)
        return lambda actual: actual is MISSING or not json_equal(_normalised(actual), value)
    if op in ("in", "not_in"):
        return _member(value, op == "in")
    if op == "regex":
        search = re.compile(value).search
        return lambda actual: isinstance(actual, str) and search(normalise_text(actual)) is not None
    if op == "contains":
        contains = _contains(value)
        return lambda actual: actual is not MISSING and contains(actual)
    compare: Callable[[float, float], bool] = {
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
    }[op]
    return lambda actual: json_number(actual) is not None and compare(actual, value)


def describe(op: str, value: Any) -> str:
    """``lte 1000`` → ``at most 1000``, for messages an agent reads."""
    shown = repr(value) if isinstance(value, str) else _json(value)
    return {
        "eq": f"equal to {shown}",
        "neq": f"different from {shown}",
        "in": f"one of {shown}",
        "not_in": f"not one of {shown}",
        "lt": f"less than {shown}",
        "lte": f"at most {shown}",
        "gt": f"greater than {shown}",
        "gte": f"at least {shown}",
        "regex": f"matching /{value}/",
        "contains": f"containing {shown}",
        "exists": "present" if value is not False else "absent",
    }[op]


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)
