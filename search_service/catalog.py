"""The index as readers see it: one open index, a searcher per generation, and caches.

A `Catalog` opens its index lazily, on first use, so that a process that forks (gunicorn's
workers) opens it after the fork. Before each use it asks Whoosh whether a new commit has
landed; if so it takes a new searcher, and what belongs to the old generation (its results
cache, the arrays that span all its documents) goes with it. A commit is therefore visible
on the next request, and no cache can serve a result of an older generation.

What was read from each segment (`segments.SegmentData`: postings, lengths, columns, term
statistics) is kept across generations, since Whoosh never changes a segment; a new
generation reads only its new segments. `warm` reads them all ahead, so that a process
can read them once and fork workers that share them.
"""

import collections
import functools
import threading
from pathlib import Path

from . import segments, store
from .engine import Engine, PostingsCache
from .facets import FacetColumns
from .segments import SegmentData
from .vocabulary import Vocabulary

RESULT_CACHE_SIZE = 512
# How long `warm` reads the most frequent postings before a server starts its workers.
WARM_SECONDS = 30.0


class Generation:
    """One committed state of the index, with what is derived from it, built when needed."""

    def __init__(self, searcher, known: dict[str, SegmentData], postings: PostingsCache):
        self.searcher = searcher
        self.number = searcher.reader().generation()
        self.parts = segments.parts(searcher.reader(), known)
        self.postings = postings
        self.results: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.searcher.reader(), self.parts)

    @functools.cached_property
    def engine(self) -> Engine:
        return Engine(self.searcher, self.parts, self.postings)

    @functools.cached_property
    def columns(self) -> FacetColumns:
        return FacetColumns.of_parts(self.parts)

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
        self._segments: dict[str, SegmentData] = {}
        self._postings = PostingsCache()
        self._lock = threading.Lock()

    def current(self) -> Generation:
        """The latest committed generation, opening or refreshing the searcher as needed."""
        with self._lock:
            generation = self._generation
            if generation is None:
                generation = self._open()
            elif not generation.searcher.up_to_date():
                store.check_version(self.path)
                # A new searcher, not Searcher.refresh(): refresh reuses segment readers by
                # segment and keeps their old deletions, so deleted articles stayed found.
                fresh = self._open()
                generation.searcher.close()
                generation = fresh
            self._generation = generation
            return generation

    def _open(self) -> Generation:
        generation = Generation(
            store.open_index(self.path).searcher(), self._segments, self._postings
        )
        # Keep the data of this generation's segments; merged-away ones are dropped.
        self._segments = {part.data.id: part.data for part in generation.parts}
        return generation

    def warm(self, seconds: float = WARM_SECONDS) -> int:
        """Read what every search reads from each segment (lengths, columns, statistics, and
        the most frequent postings for up to `seconds`), then close the index files: a
        process that forks afterwards (gunicorn's arbiter) gives its workers the data, and
        each opens its own files. The number of postings lists read."""
        generation = self.current()
        _ = generation.columns
        generation.vocabulary.warm()
        read = generation.engine.warm(seconds)
        self.close()
        return read

    def close(self) -> None:
        """Release the searcher and its files."""
        with self._lock:
            if self._generation is not None:
                self._generation.searcher.close()
                self._generation = None
