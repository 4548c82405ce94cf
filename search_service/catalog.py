"""The index as readers see it: one open index, a searcher per generation, and caches.

A `Catalog` opens its index lazily, on first use, so that a process that forks (gunicorn's
workers) opens it after the fork. Before each use it asks Whoosh whether a new commit has
landed; if so it takes a new searcher, and everything derived from the old one (vocabulary
statistics, facet columns, cached results) goes with it. A commit is therefore visible on
the next request, and no cache can serve a result of an older generation.

"Has a new commit landed" is asked of a `Snapshot` of the generation's files, which also
answers no after a rebuild or damage to those files. The old generation is dropped before
the index is opened again: if that fails (damaged, missing, being rebuilt), the error goes
to the caller (503 on the web), and the next call tries again once a file of the folder has
changed, so the service recovers on its own when the index is rebuilt.
"""

import collections
import functools
import threading
from pathlib import Path

from . import store
from .errors import IndexDamaged, SearchServiceError
from .snapshot import Snapshot, folder_files
from .vocabulary import Vocabulary

RESULT_CACHE_SIZE = 512
# Whoosh's modules that decode its files: an error raised there is damage to the data.
_DECODING_MODULES = (
    "whoosh.codec.",
    "whoosh.filedb.",
    "whoosh.columns",
    "whoosh.system",
    "whoosh.util.numlists",
    "whoosh.util.varints",
)


class Generation:
    """One committed state of the index, with what is derived from it, built when needed."""

    def __init__(self, searcher, snapshot: Snapshot):
        self.searcher = searcher
        self.snapshot = snapshot
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
        # The folder's files when opening last failed, and the error.
        self._failed: tuple[dict | None, type[SearchServiceError], str] | None = None
        self._lock = threading.Lock()

    def current(self) -> Generation:
        """The latest committed generation, opening or refreshing the searcher as needed."""
        with self._lock:
            generation = self._generation
            if generation is not None and generation.snapshot.unchanged():
                return generation
            self._generation = None
            if generation is not None:
                generation.searcher.close()
            files = folder_files(self.path)
            if self._failed is not None and self._failed[0] == files:
                raise self._failed[1](self._failed[2])
            try:
                # A new searcher, not Searcher.refresh(): refresh reuses segment readers by
                # segment and keeps their old deletions, so deleted articles stayed found.
                searcher = store.open_searcher(self.path)
            except SearchServiceError as error:
                # Until a file there changes, opening again fails the same way, only slower
                # (Whoosh tries a segment file it cannot open ten times, over half a second).
                self._failed = (files, type(error), error.message)
                raise
            self._failed = None
            self._generation = Generation(searcher, Snapshot.take(self.path, searcher))
            return self._generation

    def damaged(self, error: Exception) -> IndexDamaged | None:
        """If `error` was raised decoding the index's files, the damage to report (and the
        generation is dropped, so that the next use opens the index again).

        Opening reads the table of contents and the directory of each segment file; the
        rest is read on demand, so garbage inside a segment surfaces in whatever Whoosh was
        decoding then (a bare Exception, struct.error, EOFError...). An error raised
        anywhere else, Whoosh's query or analysis code included, stays a bug.
        """
        innermost = error.__traceback__
        while innermost is not None and innermost.tb_next is not None:
            innermost = innermost.tb_next
        module = innermost.tb_frame.f_globals.get("__name__", "") if innermost else ""
        if not module.startswith(_DECODING_MODULES):
            return None
        self.close()
        return store.damaged(self.path, error)

    def close(self) -> None:
        """Release the searcher and its files."""
        with self._lock:
            if self._generation is not None:
                self._generation.searcher.close()
                self._generation = None
