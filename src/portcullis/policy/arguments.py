"""Argument rules of one policy entry, compiled once: ``args`` (JSON Schema 2020-12), ``require``, ``deny_if``.

``ArgumentRules.check(arguments)`` returns None when the arguments pass, or an ``ArgumentFailure``
naming the argument and saying why, in words an agent can act on. Order: the schema, then every
``require``, then every ``deny_if``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from portcullis.policy.conditions import MISSING, Predicate, compile_condition, describe, resolve
from portcullis.policy.model import ConditionSpec, DenyIfSpec, ToolRule

__all__ = ["ArgumentFailure", "ArgumentRules", "compile_schema"]


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
        return jsonschema_rs.validator_for(schema)
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
        self._require: list[tuple[ConditionSpec, Predicate]] = [(c, compile_condition(c)) for c in rule.require]
        self._deny_if: list[tuple[DenyIfSpec, list[tuple[ConditionSpec, Predicate]]]] = [
            (d, [(c, compile_condition(c)) for c in d.conditions]) for d in rule.deny_if]
        self.empty = self._schema is None and not self._require and not self._deny_if

    def check(self, arguments: Mapping[str, Any]) -> ArgumentFailure | None:
        if self._schema is not None and not self._schema.is_valid(arguments):
            return self._schema_failure(arguments)
        for spec, predicate in self._require:
            actual = resolve(arguments, spec.path)
            if not predicate(actual):
                return _require_failure(spec, actual)
        for deny, conditions in self._deny_if:
            if all(predicate(resolve(arguments, spec.path)) for spec, predicate in conditions):
                return _deny_if_failure(deny, [resolve(arguments, c.path) for c, _ in conditions])
        return None

    def _schema_failure(self, arguments: Mapping[str, Any]) -> ArgumentFailure:
        assert self._schema is not None
        error = next(iter(self._schema.iter_errors(arguments)), None)
        if error is None:  # is_valid and iter_errors disagree: cannot happen, but never allow on it
            return ArgumentFailure(self._schema_location, None, "the arguments do not match the policy's schema",
                                   _change(None))
        argument = ".".join(str(p) for p in error.instance_path) or None
        kind = error.kind
        if argument is None and type(kind).__name__ == "Required":
            argument = str(kind.property)
        where = f"argument '{argument}'" if argument else "the arguments"
        return ArgumentFailure(self._schema_location, argument, f"{where} rejected by the policy: {error.message}",
                               _change(argument))


def _require_failure(spec: ConditionSpec, actual: Any) -> ArgumentFailure:
    arg = spec.argument
    if spec.on_deny:
        reason = spec.on_deny
    elif actual is MISSING and spec.op != "exists":
        reason = f"argument '{arg}' is required and must be {describe(spec.op, spec.value)}"
    else:
        got = "absent" if actual is MISSING else repr(actual)
        reason = f"argument '{arg}' must be {describe(spec.op, spec.value)} (got {got})"
    return ArgumentFailure(spec.location, arg, reason, _change(arg))


def _deny_if_failure(deny: DenyIfSpec, actuals: list[Any]) -> ArgumentFailure:
    first = deny.conditions[0]
    if deny.on_deny:
        reason = deny.on_deny
    else:
        parts = [f"argument '{c.argument}' is {describe(c.op, c.value)}"
                 + ("" if a is MISSING else f" ({a!r})") for c, a in zip(deny.conditions, actuals, strict=True)]
        reason = ("denied by rule '" + deny.name + "': " if deny.name else "denied because ") + " and ".join(parts)
    return ArgumentFailure(deny.location, first.argument, reason, _change(first.argument))
