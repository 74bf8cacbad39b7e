"""Calls checked against the tool's own ``inputSchema`` before anything else is spent on them.

A call its server would reject must not cost a person's time (an approval request) or quota, and the
agent learns at once which argument is wrong. ``ToolSchemas.check(digest, schema, arguments)``
compiles each tool definition's schema once, cached by the definition's digest (the pinned hash), and
returns None when the arguments pass, or an ``ArgumentFailure`` naming the argument.

An upstream's schema is not trusted to be valid: a schema that does not compile (or is not a JSON
object) is logged once and the call goes on unchecked: a broken schema never blocks calls or crashes
the gateway. Remote ``$ref``s are never fetched. Pure apart from that one log line; no I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from portcullis.policy.arguments import ArgumentFailure, compile_schema, schema_failure

__all__ = ["RULE", "ToolSchemas"]

RULE: Final = "catalog.input_schema"  # the rule named in a denial's _meta and the audit record
_CACHE_SIZE: Final = 4096

log = logging.getLogger("portcullis.policy")


class ToolSchemas:
    """Compiled ``inputSchema`` validators, one per tool definition digest (None: the schema is unusable)."""

    __slots__ = ("_compiled",)

    def __init__(self) -> None:
        self._compiled: dict[str, Any] = {}

    def validator(self, digest: str, schema: Any, tool: str) -> Any:
        """The compiled validator of this definition's schema, or None when it cannot be used."""
        if digest in self._compiled:
            return self._compiled[digest]
        if len(self._compiled) >= _CACHE_SIZE:
            self._compiled.clear()
        validator = None
        if schema is None:
            pass  # no schema: nothing to check
        elif not isinstance(schema, Mapping):
            log.warning(
                "tool '%s' has an inputSchema that is not a JSON object; its calls are not checked against it", tool
            )
        else:
            try:
                validator = compile_schema(dict(schema))
            except Exception as exc:  # whatever an upstream sends, a broken schema only loses the check
                log.warning(
                    "tool '%s' has an invalid inputSchema (%s); its calls are not checked against it",
                    tool,
                    str(exc).split("\n", 1)[0],
                )
        self._compiled[digest] = validator
        return validator

    def check(self, digest: str, schema: Any, arguments: Mapping[str, Any], tool: str) -> ArgumentFailure | None:
        """None when ``arguments`` fit the tool's schema (or it has no usable one); else why not."""
        validator = self.validator(digest, schema, tool)
        if validator is None:
            return None
        try:
            if validator.is_valid(arguments):
                return None
            return schema_failure(validator, arguments, RULE, "the tool's schema")
        except Exception as exc:  # the validator choked on this schema: the upstream still checks the call
            log.warning(
                "tool '%s': its inputSchema could not be applied (%s); the call is not checked against it", tool, exc
            )
            return None
