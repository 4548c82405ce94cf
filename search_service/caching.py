"""The one cache of computed values: postings, scored terms, phrase checks, term lookups
and search results all keep what they computed here, within a budget."""

import collections
import threading
from collections.abc import Callable, Hashable
from typing import Any


def _one(_value: Any) -> int:
    return 1


class LRU:
    """Values computed by key, kept while their sizes (`size` of each value, 1 by default)
    add up to at most `budget`: the least recently used go first. Safe across threads; two
    threads asking at once for a missing key may both compute it, and one value is kept."""

    def __init__(self, budget: int, size: Callable[[Any], int] = _one):
        self.budget = budget
        self._size = size
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value of `key`, computed by `compute()` if it is not kept."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            if key in self._entries:
                return self._entries[key]
            self._entries[key] = value
            self._used += self._size(value)
            while self._used > self.budget and len(self._entries) > 1:
                _, old = self._entries.popitem(last=False)
                self._used -= self._size(old)
        return value

    def full(self) -> bool:
        return self._used >= self.budget

    def entries(self) -> dict:
        """The entries now kept, least recently used first."""
        with self._lock:
            return dict(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._used = 0

    def __len__(self) -> int:
        return len(self._entries)
