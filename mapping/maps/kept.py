"""A small, thread-safe store of things that are slow to make, kept for a while by a key.

The editor's map of 10,000 pins takes seconds to read and build; a tap on
the map changes none of it. What was made is kept here under a key that
names everything it depends on (the data's version, the viewer's role and
teams, the language …), so one session's rerun, or another viewer with the
same rights, uses it again. Entries expire after ``ttl`` seconds and the
oldest-used go beyond ``size``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Kept(Generic[T]):
    """Up to ``size`` values, each kept ``ttl`` seconds, made on demand by key."""

    def __init__(self, size: int, ttl: float) -> None:
        """Keep at most ``size`` values, each for at most ``ttl`` seconds."""
        self.size = size
        self.ttl = ttl
        self._items: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()
        self.made = 0
        self.reused = 0

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept under ``key``, or ``make()``'s (then kept).

        >>> kept = Kept[int](size=2, ttl=60)
        >>> kept.get("a", lambda: 1), kept.get("a", lambda: 2), kept.made, kept.reused
        (1, 1, 1, 1)
        """
        now = time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found is not None and now - found[0] < self.ttl:
                self._items.move_to_end(key)
                self.reused += 1
                return found[1]
        # Made outside the lock: a slow build must not hold up other keys.
        value = make()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            self.made += 1
        return value

    def forget(self, key: Hashable) -> None:
        """Forget the value kept under ``key`` (it was made from what is no longer true)."""
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._items.clear()
