"""What is read from one Whoosh segment, kept for as long as the segment lives.

    generation (a searcher)  ->  parts: one a segment (its reader, offset, live documents)
                                   -> SegmentData, looked up by segment id, kept across
                                      generations: field lengths, facet columns, title keys,
                                      term statistics (a small segment's terms read whole),
                                      postings (engine's cache)

Whoosh never rewrites a segment: a commit adds one, a merge replaces several with a new one,
and deletions are kept beside it. Everything the search reads from a segment is therefore
read once and kept under the segment's id across index generations; only the deletions are
read again for each generation. A commit of one article then costs a reader the new small
segment, not the whole index; and a process that read the segments before forking
(gunicorn's arbiter, see `Catalog.warm`) hands them to its workers.
"""

import dataclasses
import functools
import threading
from collections.abc import Callable, Iterator

import numpy as np
from whoosh.reading import SegmentReader

from ..caching import LRU
from . import term_table
from .schema import ANALYZED_FIELDS

# Term lookups kept a segment (about 200 bytes an entry): a server that keeps one index
# generation for months sees new words in every query.
MEMO_ENTRIES = 100_000
# A segment of at most this many documents (what a commit of the write API adds) has the
# terms of its analyzed text fields read whole, with their document frequencies, on first
# use: the readers ask a new segment for thousands of terms, each a Whoosh lookup of about
# 30 us, and a segment of one article holds a few thousand terms, read whole in 15 ms.
SMALL_SEGMENT = 64


class SegmentData:
    """Values computed from one segment, each once (`cached`), plus term frequencies."""

    def __init__(self, leaf):
        self.id = leaf.segment().segment_id()
        self.size = leaf.doc_count_all()
        # The segment's term table, or None for a segment written before there were any.
        self.table = term_table.of_segment(leaf)
        self._values: dict = {}
        self._frequencies = LRU(MEMO_ENTRIES)
        self._prefixed = LRU(MEMO_ENTRIES)
        self._lock = threading.Lock()

    def cached(self, key, compute: Callable):
        """`compute()`, once for the segment's life."""
        if key not in self._values:
            value = compute()
            with self._lock:
                self._values.setdefault(key, value)
        return self._values[key]

    def frequency(self, leaf, field: str, text: str) -> int:
        """How many documents of this segment hold `text` in `field` (deleted ones too)."""
        if self._read_whole(field):
            return self._terms(leaf)[field].get(text, 0)
        if (table := self.table_for(field)) is not None:
            return table.frequency(field, text)
        return self._frequencies.get((field, text), lambda: _frequency(leaf, field, text))

    def terms(self, leaf, field: str) -> Iterator[tuple[str, int]]:
        """Every term of `field` in this segment, in order, with its document frequency."""
        if self._read_whole(field):
            return iter(self._terms(leaf)[field].items())
        if (table := self.table_for(field)) is not None:
            return table.terms(field)
        return ((t.decode("utf-8"), info.doc_frequency()) for t, info in leaf.iter_field(field))

    def prefixed(self, leaf, field: str, prefix: str) -> tuple[tuple[str, int], ...]:
        """The terms of `field` in this segment that start with `prefix`, in order, with
        their document frequencies (deleted documents too)."""

        def read() -> tuple[tuple[str, int], ...]:
            if self._read_whole(field):
                terms = self._terms(leaf)[field]
                return tuple((t, n) for t, n in terms.items() if t.startswith(prefix))
            if (table := self.table_for(field)) is not None:
                return tuple(table.prefixed(field, prefix))
            texts = (
                t.decode("utf-8") if isinstance(t, bytes) else t
                for t in leaf.expand_prefix(field, prefix)
            )
            return tuple((t, _frequency(leaf, field, t)) for t in texts)

        return self._prefixed.get((field, prefix), read)

    def table_for(self, field: str) -> term_table.TermTable | None:
        """The segment's term table, if it answers for `field`."""
        return self.table if field in ANALYZED_FIELDS else None

    def _read_whole(self, field: str) -> bool:
        return self.size <= SMALL_SEGMENT and field in ANALYZED_FIELDS

    def _terms(self, leaf) -> dict[str, dict[str, int]]:
        return self.cached("terms", lambda: _terms(leaf))


def _frequency(leaf, field: str, text: str) -> int:
    try:
        return leaf.doc_frequency(field, text)
    except (KeyError, ValueError):
        return 0


@dataclasses.dataclass(frozen=True)
class Part:
    """A segment as one generation sees it: its reader, its first document number in the
    generation, and which of its documents are live."""

    data: SegmentData
    leaf: SegmentReader
    offset: int
    live: np.ndarray

    @functools.cached_property
    def whole(self) -> bool:
        """Whether none of its documents is deleted."""
        return bool(self.live.all())


def parts(reader, known: dict[str, SegmentData]) -> list[Part]:
    """The parts of a generation's reader, reusing the data of segments in `known`."""
    found = []
    for leaf, offset in reader.leaf_readers():
        segment_id = leaf.segment().segment_id()
        data = known.get(segment_id)
        if data is None or data.size != leaf.doc_count_all():
            data = SegmentData(leaf)
        found.append(Part(data, leaf, offset, _live(leaf)))
    return found


def concatenate(parts: list[Part], per_part: Callable, dtype) -> np.ndarray:
    """One array over the generation from an array per part."""
    arrays = [per_part(part) for part in parts]
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


def _terms(leaf) -> dict[str, dict[str, int]]:
    """The terms of each analyzed text field of a segment, with their document frequencies."""
    return {
        field: {term.decode("utf-8"): info.doc_frequency() for term, info in leaf.iter_field(field)}
        if field in leaf.indexed_field_names()
        else {}
        for field in ANALYZED_FIELDS
    }


def _live(leaf) -> np.ndarray:
    mask = np.ones(leaf.doc_count_all(), dtype=bool)
    if leaf.has_deletions():
        mask[np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)] = False
    return mask
