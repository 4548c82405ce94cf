"""The index as readers see it: one open index, a searcher per generation, and caches.

A `Catalog` opens its index lazily, on first use, so that a process that forks (gunicorn's
workers) opens it after the fork. Before each use it asks Whoosh whether a new commit has
landed; if so it takes a new searcher, and everything derived from the old one (vocabulary
statistics, facet columns, cached results) goes with it. A commit is therefore visible on
the next request, and no cache can serve a result of an older generation.
"""

import collections
import functools
import threading
from pathlib import Path

from . import store
from .vocabulary import Vocabulary

RESULT_CACHE_SIZE = 512


class Generation:
    """One committed state of the index, with what is derived from it, built when needed."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.number = searcher.reader().generation()
        self.results: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.searcher.reader())

    @functools.cached_property
    def engine(self):
        from .engine import Engine

        return Engine(self.searcher)

    @functools.cached_property
    def columns(self):
        from .facets import FacetColumns

        return FacetColumns.read(self.searcher.reader())

    def cached(self, key, compute):
        """A result computed once per generation (least recently used ones dropped)."""
        with self._lock:
            if key in self.results:
                self.results.move_to_end(key)
                return self.results[key]
        value = compute()
        with self._lock:
            self.results[key] = value
            if len(self.results) > RESULT_CACHE_SIZE:
                self.results.popitem(last=False)
        return value


class Catalog:
    """An index opened for reading; `current()` is its latest generation."""

    def __init__(self, path: Path):
        self.path = path
        self._generation: Generation | None = None
        self._lock = threading.Lock()

    def current(self) -> Generation:
        """The latest committed generation, opening or refreshing the searcher as needed."""
        with self._lock:
            generation = self._generation
            if generation is None:
                generation = Generation(store.open_searcher(self.path))
            elif not generation.searcher.up_to_date():
                # A new searcher, not Searcher.refresh(): refresh reuses segment readers by
                # segment and keeps their old deletions, so deleted articles stayed found.
                fresh = store.open_searcher(self.path)
                generation.searcher.close()
                generation = Generation(fresh)
            self._generation = generation
            return generation

    def close(self) -> None:
        """Release the searcher and its files."""
        with self._lock:
            if self._generation is not None:
                self._generation.searcher.close()
                self._generation = None
