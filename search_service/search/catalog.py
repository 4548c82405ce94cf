"""The index as readers see it: one open index, a searcher per generation, and caches.

A `Catalog` opens its index lazily, on first use, so that a process that forks (gunicorn's
workers) opens it after the fork. Before each use it asks Whoosh whether a new commit has
landed; if so it takes a new searcher, and what belongs to the old generation (its results
cache, the arrays that span all its documents) goes with it. A commit is therefore visible
on the next request, and no cache can serve a result of an older generation. The new
generation's engine inherits the old one's joined terms for the segments both hold (see
`engine`), so that the first searches after a commit rebuild only what the commit changed.

What was read from each segment (`segment_data.SegmentData`: postings, lengths, columns, term
statistics) is kept across generations, since Whoosh never changes a segment; a new
generation reads only its new segments. `warm` reads them all ahead, so that a process
can read them once and fork workers that share them.

"Has a new commit landed" is asked of a `Snapshot` of the generation's files, which also
answers no after a rebuild or damage to those files. The old generation is dropped before
the index is opened again: if that fails (damaged, missing, being rebuilt), the error goes
to the caller (503 on the web), and the next call tries again once a file of the folder has
changed, so the service recovers on its own when the index is rebuilt.
"""

import functools
import gc
import threading
from pathlib import Path

from ..caching import LRU
from ..errors import IndexDamaged, SearchServiceError
from ..index import codec, segment_data, store, term_table
from ..index.segment_data import SegmentData
from ..index.snapshot import Snapshot, folder_files
from ..text import segmentation
from .engine import Engine, PostingsCache
from .facets import FacetColumns
from .vocabulary import Vocabulary

RESULT_CACHE_SIZE = 512
# How long `warm` reads the most frequent postings before a server starts its workers.
WARM_SECONDS = 30.0
# The modules that decode the index's files (Whoosh's, and the postings reader of
# `codec` and the term tables): an error raised there is damage to the data.
_DECODING_MODULES = (
    codec.__name__,
    term_table.__name__,
    "whoosh.codec.",
    "whoosh.filedb.",
    "whoosh.columns",
    "whoosh.system",
    "whoosh.util.numlists",
    "whoosh.util.varints",
)


class Generation:
    """One committed state of the index, with what is derived from it, built when needed."""

    def __init__(
        self,
        searcher,
        snapshot: Snapshot,
        known: dict[str, SegmentData],
        postings: PostingsCache,
        previous: "Generation | None" = None,
    ):
        self.searcher = searcher
        self.snapshot = snapshot
        self.number = searcher.reader().generation()
        self.parts = segment_data.parts(searcher.reader(), known)
        self.postings = postings
        self.results = LRU(RESULT_CACHE_SIZE)
        self._lock = threading.Lock()
        # The previous generation's engine and vocabulary, if it built them, for this one's
        # to inherit from; only those, so that generations do not hold on to each other.
        built = previous.__dict__ if previous else {}
        self._previous_engine = built.get("engine")
        self._previous_vocabulary = built.get("vocabulary")

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        vocabulary = Vocabulary(
            self.searcher.reader(), self.parts, self.engine, self._previous_vocabulary
        )
        self._previous_vocabulary = None
        return vocabulary

    @functools.cached_property
    def engine(self) -> Engine:
        engine = Engine(self.searcher, self.parts, self.postings, self._previous_engine)
        self._previous_engine = None
        return engine

    @functools.cached_property
    def columns(self) -> FacetColumns:
        return FacetColumns.of_parts(self.parts)

    def cached(self, key, compute):
        """A result computed once per generation (least recently used ones dropped)."""
        return self.results.get(key, compute)


class Catalog:
    """An index opened for reading; `current()` is its latest generation."""

    def __init__(self, path: Path | str):
        # A folder named by a string too (library use): as a string it failed as "an
        # unreadable service.json", which sent the reader to rebuild a sound index.
        self.path = Path(path)
        self._generation: Generation | None = None
        # The folder's files when opening last failed, and the error.
        self._failed: tuple[dict | None, type[SearchServiceError], str] | None = None
        self._segments: dict[str, SegmentData] = {}
        self._postings = PostingsCache()
        # A generation `warm` read ahead and closed: the next one inherits what it computed.
        self._warmed: Generation | None = None
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
            self._generation = Generation(
                searcher,
                Snapshot.take(self.path, searcher),
                self._segments,
                self._postings,
                generation or self._warmed,
            )
            self._warmed = None
            # Keep the data of this generation's segments; merged-away ones are dropped.
            self._segments = {part.data.id: part.data for part in self._generation.parts}
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
        # Nothing read from the damaged files is trusted again.
        self._segments, self._postings, self._warmed = {}, PostingsCache(), None
        return store.damaged(self.path, error)

    def warm(self, seconds: float = WARM_SECONDS) -> int:
        """Read what every search reads from each segment (lengths, columns, statistics, and
        the most frequent postings for up to `seconds`), then close the index files: a
        process that forks afterwards (gunicorn's arbiter) gives its workers the data, and
        each opens its own files. The number of postings lists read."""
        generation = self.current()
        _ = generation.columns
        # pyvi reads a query of four syllables or more (2.5 s to load its model): once here,
        # not on the first such search of each worker.
        segmentation.load_model()
        generation.vocabulary.warm()
        read = generation.engine.warm(seconds)
        self.close()
        # What was read stays for the process's life: out of the garbage collector's full
        # passes (each walked every table read, 120 to 200 ms in the middle of a search),
        # and so the pages a forked worker shares are not written by them.
        gc.freeze()
        # Its files closed, the generation still holds what it computed (scored terms, word
        # readings): the generation each worker opens takes them over, as from any
        # predecessor whose segments it shares.
        self._warmed = generation
        return read

    def close(self) -> None:
        """Release the searcher and its files."""
        with self._lock:
            if self._generation is not None:
                self._generation.searcher.close()
                self._generation = None
