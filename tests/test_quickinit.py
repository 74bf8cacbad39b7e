"""``quick_init``: the same constructor (signature, defaults, factories) and still frozen."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field

import pytest

from portcullis.policy.decision import Decision
from portcullis.quickinit import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class _Sample:
    a: str
    b: int = 2
    c: list[int] = field(default_factory=list)
    d: str = field(default="k", kw_only=True)


@dataclass(frozen=True, slots=True)
class _Plain:
    a: str
    b: int = 2
    c: list[int] = field(default_factory=list)
    d: str = field(default="k", kw_only=True)


def test_same_values_equality_and_hash_as_the_dataclass_init() -> None:
    assert dataclasses.astuple(_Sample("x")) == dataclasses.astuple(_Plain("x"))
    assert _Sample("x", 3, [1], d="z") == _Sample("x", 3, [1], d="z")
    assert dataclasses.astuple(_Sample("x", 3, [1], d="z")) == ("x", 3, [1], "z")
    assert _Sample("x").c is not _Sample("x").c  # a fresh default each time
    assert hash(Decision("allow", "r", "why")) == hash(Decision("allow", "r", "why"))


def test_signature_is_kept() -> None:
    def shape(cls: type) -> list[tuple[str, object]]:
        return [(p.name, p.kind) for p in inspect.signature(cls).parameters.values()]

    assert shape(_Sample) == shape(_Plain)
    with pytest.raises(TypeError):
        _Sample()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _Sample("x", 1, [], "positional d")  # type: ignore[call-arg]


def test_still_frozen() -> None:
    sample = _Sample("x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample.a = "y"  # type: ignore[misc]
    assert dataclasses.replace(sample, a="y").a == "y"
