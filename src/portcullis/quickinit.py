"""A faster ``__init__`` for the frozen, slotted dataclasses made on every call (decisions, limit requests).

A frozen dataclass sets each field in its ``__init__`` through ``object.__setattr__`` (its own
``__setattr__`` refuses), which makes one of nine fields cost several times a plain object's. The
``__init__`` made here sets each slot through the slot's own descriptor instead: the same signature,
defaults and default factories, and the instance stays frozen (assigning to it still raises).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["quick_init"]

C = TypeVar("C", bound=type)


def quick_init(cls: C) -> C:
    """Replace a frozen, slotted dataclass's ``__init__`` by one that sets slots directly.

    Apply it above ``@dataclass(frozen=True, slots=True)``. Classes with ``__post_init__`` or
    ``InitVar`` fields are left as they are.
    """
    fields = dataclasses.fields(cls)
    if hasattr(cls, "__post_init__") or any(f.name not in vars(cls) for f in fields):
        return cls
    space: dict[str, Any] = {"_NONE": object()}
    params: list[str] = []
    keywords: list[str] = []
    lines: list[str] = []
    for i, f in enumerate(fields):
        if not f.init:
            return cls
        space[f"_set{i}"] = vars(cls)[f.name].__set__
        if f.default is not dataclasses.MISSING:
            space[f"_default{i}"] = f.default
            param = f"{f.name}=_default{i}"
        elif f.default_factory is not dataclasses.MISSING:
            space[f"_factory{i}"] = f.default_factory
            param = f"{f.name}=_NONE"
            lines.append(f"    if {f.name} is _NONE: {f.name} = _factory{i}()")
        else:
            param = f.name
        (keywords if f.kw_only else params).append(param)
        lines.append(f"    _set{i}(self, {f.name})")
    signature = ", ".join(["self", *params, *(["*", *keywords] if keywords else [])])
    exec(f"def __init__({signature}):\n" + "\n".join(lines or ["    pass"]), space)
    init = space["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = vars(cls)["__init__"].__doc__
    setattr(cls, "__init__", init)  # noqa: B010  (mypy refuses an assignment to __init__)
    return cls
