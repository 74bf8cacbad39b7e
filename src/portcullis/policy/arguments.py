"""Argument rules of one policy entry, compiled once: ``args`` (JSON Schema 2020-12), ``require``, ``deny_if``.

``ArgumentRules.check(arguments)`` returns None when the arguments pass, or an ``ArgumentFailure``
naming the argument and saying why, in words an agent can act on. Order: the schema, then every
``require``, then every ``deny_if``. A numeric condition (``gt 1000``) whose argument is present but
not a JSON number refuses the call (fail closed), whether it sits in ``require`` or ``deny_if``.
Rejected values are quoted as short excerpts (``conditions.excerpt``), never whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import orjson

from portcullis.policy.conditions import (
    MISSING,
    Predicate,
    argument_type_problem,
    compile_condition,
    describe,
    excerpt,
    is_numeric_condition,
    resolve,
)
from portcullis.policy.model import ConditionSpec, DenyIfSpec, ToolRule

__all__ = ["ArgumentFailure", "ArgumentRules", "compile_schema", "schema_failure"]

_Checked = tuple[ConditionSpec, Predicate, bool]  # the condition, its predicate, whether it needs a number


@dataclass(frozen=True, slots=True)
class ArgumentFailure:
    """Why the arguments were refused: ``rule`` is the policy location, ``argument`` the dotted path."""

    rule: str
    argument: str | None
    reason: str
    hint: str


def compile_schema(schema: dict[str, Any]) -> Any:
    """A compiled validator (2020-12 unless the schema's ``$schema`` says otherwise); raises ValueError."""
    try:
        return jsonschema_rs.validator_for(schema, offline=True)  # never fetch a remote $ref
    except (jsonschema_rs.ValidationError, ValueError, TypeError) as exc:
        raise ValueError(str(exc).split("\n", 1)[0]) from None


def _change(argument: str | None) -> str:
    if argument:
        return f"change argument '{argument}' and call again"
    return "change the arguments and call again"


class ArgumentRules:
    """The compiled argument checks of one ``ToolRule``."""

    __slots__ = ("_deny_if", "_require", "_schema", "_schema_location", "empty")

    def __init__(self, rule: ToolRule) -> None:
        self._schema = compile_schema(rule.args_schema) if rule.args_schema is not None else None
        self._schema_location = f"{rule.location}.args"
        self._require: list[_Checked] = [_checked(c) for c in rule.require]
        self._deny_if: list[tuple[DenyIfSpec, list[_Checked]]] = [
            (d, [_checked(c) for c in d.conditions]) for d in rule.deny_if
        ]
        self.empty = self._schema is None and not self._require and not self._deny_if

    def check(self, arguments: Mapping[str, Any]) -> ArgumentFailure | None:
        if self._schema is not None and not self._schema.is_valid(arguments):
            return self._schema_failure(arguments)
        for spec, predicate, numeric in self._require:
            actual = resolve(arguments, spec.path)
            if numeric and (problem := argument_type_problem(spec.argument, actual)) is not None:
                return _type_failure(spec, problem)
            if not predicate(actual):
                return _require_failure(spec, actual)
        for deny, conditions in self._deny_if:
            if len(conditions) == 1:  # the usual case, without the lists and generators below
                spec, predicate, numeric = conditions[0]
                path = spec.path
                if len(path) == 1 and type(arguments) is dict:  # what ``resolve`` does, without the call
                    actual = arguments.get(path[0], MISSING)
                else:
                    actual = resolve(arguments, path)
                if numeric and (problem := argument_type_problem(spec.argument, actual)) is not None:
                    return _type_failure(spec, problem, deny.location)
                if predicate(actual):
                    return _deny_if_failure(deny, [actual])
                continue
            actuals = [resolve(arguments, spec.path) for spec, _, _ in conditions]
            for (spec, _, numeric), actual in zip(conditions, actuals, strict=True):
                if numeric and (problem := argument_type_problem(spec.argument, actual)) is not None:
                    return _type_failure(spec, problem, deny.location)
            if all(predicate(actual) for (_, predicate, _), actual in zip(conditions, actuals, strict=True)):
                return _deny_if_failure(deny, actuals)
        return None

    def _schema_failure(self, arguments: Mapping[str, Any]) -> ArgumentFailure:
        assert self._schema is not None
        return schema_failure(self._schema, arguments, self._schema_location, "the policy")


def schema_failure(validator: Any, arguments: Mapping[str, Any], location: str, whose: str) -> ArgumentFailure:
    """The first error of ``validator`` on ``arguments``, naming the argument and quoting only an excerpt."""
    error = next(iter(validator.iter_errors(arguments)), None)
    if error is None:  # is_valid and iter_errors disagree: cannot happen, but never allow on it
        return ArgumentFailure(location, None, f"the arguments do not match {whose}'s schema", _change(None))
    argument = ".".join(str(p) for p in error.instance_path) or None
    kind = error.kind
    if argument is None and type(kind).__name__ == "Required":
        argument = str(kind.property)
    where = f"argument '{argument}'" if argument else "the arguments"
    return ArgumentFailure(
        location, argument, f"{where} rejected by {whose}: {_short_message(error)}", _change(argument)
    )


def _short_message(error: Any) -> str:
    """jsonschema-rs's message starts with the whole rejected value: keep an excerpt of it only."""
    message: str = error.message
    try:
        shown = orjson.dumps(error.instance).decode()
    except TypeError:
        shown = ""
    if shown and len(shown) > 60 and message.startswith(shown):
        return excerpt(error.instance) + message[len(shown) :]
    return message if len(message) <= 300 else message[:300] + "…"


def _checked(spec: ConditionSpec) -> _Checked:
    return spec, compile_condition(spec), is_numeric_condition(spec.op, spec.value)


def _type_failure(spec: ConditionSpec, problem: str, location: str | None = None) -> ArgumentFailure:
    arg = spec.argument
    return ArgumentFailure(
        location or spec.location, arg, problem, f"send '{arg}' as a JSON number (5000, not \"5000\") and call again"
    )


def _require_failure(spec: ConditionSpec, actual: Any) -> ArgumentFailure:
    arg = spec.argument
    if spec.on_deny:
        reason = spec.on_deny
    elif actual is MISSING and spec.op != "exists":
        reason = f"argument '{arg}' is required and must be {describe(spec.op, spec.value)}"
    else:
        got = "absent" if actual is MISSING else excerpt(actual)
        reason = f"argument '{arg}' must be {describe(spec.op, spec.value)} (got {got})"
    return ArgumentFailure(spec.location, arg, reason, _change(arg))


def _deny_if_failure(deny: DenyIfSpec, actuals: list[Any]) -> ArgumentFailure:
    first = deny.conditions[0]
    if deny.on_deny:
        reason = deny.on_deny
    else:
        parts = [
            f"argument '{c.argument}' is {describe(c.op, c.value)}" + ("" if a is MISSING else f" ({excerpt(a)})")
            for c, a in zip(deny.conditions, actuals, strict=True)
        ]
        reason = ("denied by rule '" + deny.name + "': " if deny.name else "denied because ") + " and ".join(parts)
    return ArgumentFailure(deny.location, first.argument, reason, _change(first.argument))
