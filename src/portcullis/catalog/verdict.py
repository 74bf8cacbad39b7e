"""The classifier's answer for one tool, and the builder its steps fill in.

A ``Classification`` is the category, the level, every ``Signal`` that fired (an id and the words or field
that fired it), and ``decided_by``: the signal of the rule that set the final category, so an operator can
see which rule to override in the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from portcullis.catalog.lexicon import CATEGORY_RANK, Category

__all__ = ["CATEGORIES", "LEVELS", "Classification", "Level", "OperationGuard", "Signal", "Verdict"]

Level = Literal["low", "medium", "high", "critical"]
LEVELS: Final[tuple[Level, ...]] = ("low", "medium", "high", "critical")
CATEGORIES: Final[tuple[Category, ...]] = ("read", "write", "execute", "destructive", "financial", "other")


@dataclass(frozen=True, slots=True)
class Signal:
    """One reason behind a classification: an id (``secret-material``) and the evidence that fired."""

    id: str
    evidence: str

    def __init__(self, id: str, evidence: str) -> None:
        # the generated __init__ of a frozen dataclass calls object.__setattr__ per field: the slots' own setters
        # are cheaper (two or more of these are made for every tool classified)
        _set_signal_id(self, id)
        _set_signal_evidence(self, evidence)

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class OperationGuard:
    """A consolidated tool's operation argument and the values that make it dangerous."""

    argument: str
    values: tuple[str, ...]
    category: Category
    rest: Category = "write"  # what the tool's other operations do


@dataclass(frozen=True, slots=True)
class Classification:
    """The risk of one tool."""

    name: str
    category: Category
    level: Level
    signals: tuple[Signal, ...]
    guard: OperationGuard | None = None
    decided_by: Signal | None = None  # the signal of the rule that set the category
    flow: tuple[Signal, ...] = ()  # proposed data-flow tags (``catalog.dataflow``), each with its evidence

    def __init__(
        self,
        name: str,
        category: Category,
        level: Level,
        signals: tuple[Signal, ...],
        guard: OperationGuard | None = None,
        decided_by: Signal | None = None,
        flow: tuple[Signal, ...] = (),
    ) -> None:
        # the slots' own setters, as Signal's (one of these is made for every tool classified)
        set_name, set_category, set_level, set_signals, set_guard, set_decided_by, set_flow = _CLASSIFICATION_SETTERS
        set_name(self, name)
        set_category(self, category)
        set_level(self, level)
        set_signals(self, signals)
        set_guard(self, guard)
        set_decided_by(self, decided_by)
        set_flow(self, flow)

    @property
    def tags(self) -> tuple[str, ...]:
        """The proposed data-flow tags (``private_data``, ``untrusted_content``, ``external_comm``)."""
        return tuple(s.id for s in self.flow)

    @property
    def mutating(self) -> bool:
        return self.category != "read"

    def has(self, signal_id: str) -> bool:
        return any(s.id == signal_id for s in self.signals)

    def with_signal(self, signal: Signal) -> Classification:
        """A copy with one more (informational) signal, e.g. ``name-collision`` found across servers."""
        if signal in self.signals:
            return self
        return Classification(
            self.name, self.category, self.level, (*self.signals, signal), self.guard, self.decided_by, self.flow
        )

    def as_json(self, server: str) -> dict[str, Any]:
        return {
            "server": server,
            "name": self.name,
            "category": self.category,
            "level": self.level,
            "signals": [s.as_json() for s in self.signals],
        }


def _setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The setter of a slot of a frozen dataclass (what ``object.__setattr__`` calls, without looking it up)."""
    setter: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return setter


_set_signal_id = _setter(Signal, "id")
_set_signal_evidence = _setter(Signal, "evidence")
_CLASSIFICATION_SETTERS = tuple(
    _setter(Classification, name) for name in ("name", "category", "level", "signals", "guard", "decided_by", "flow")
)


@dataclass(slots=True)
class Verdict:
    """The category so far, every signal so far, and the one that set the category."""

    category: Category
    signals: list[Signal] = field(default_factory=list)
    decided_by: Signal | None = None

    def add(self, signal_id: str, evidence: str) -> Signal:
        signal = Signal(signal_id, evidence)
        self.signals.append(signal)
        return signal

    def set(self, category: Category, signal_id: str, evidence: str) -> None:
        """Set the category (up or down) and record the rule that did it."""
        self.category = category
        self.decided_by = self.add(signal_id, evidence)

    def raises(self, category: Category) -> bool:
        """Whether ``raise_to(category, …)`` would raise the category (to build its evidence only then)."""
        return CATEGORY_RANK[category] > CATEGORY_RANK[self.category] or (
            self.category == "other" and category not in ("read", "other")
        )

    def raise_to(self, category: Category, signal_id: str, evidence: str) -> bool:
        """Raise the category (never lower it; ``other`` gives way to anything placed but ``read``)."""
        if self.raises(category):
            self.set(category, signal_id, evidence)
            return True
        return False

    def has(self, signal_id: str) -> bool:
        return any(s.id == signal_id for s in self.signals)
