"""``Hook``: the listeners of one event, so that two parts that need each other can still be built in order.

Some collaborators of a gateway point at each other: the tool catalogue sits in the lister's path, and
a change of the catalogue's view must reach the clients through the subscriptions, which list through
the lister. ``assemble`` builds such pairs by constructor: it makes the hook first, hands it to the part
that emits the event, and the part that listens connects to it in its own constructor. No attribute is
patched after construction, and the event's source never imports its listener.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Hook"]

T = TypeVar("T")


class Hook(Generic[T]):
    """Callables called, in the order they connected, each time the event happens."""

    __slots__ = ("_listeners",)

    def __init__(self) -> None:
        self._listeners: list[Callable[[T], None]] = []

    def connect(self, listener: Callable[[T], None]) -> None:
        self._listeners.append(listener)

    def __call__(self, value: T) -> None:
        for listener in self._listeners:
            listener(value)
