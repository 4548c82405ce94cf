"""What is read from one Whoosh segment, kept for as long as the segment lives.

    generation (a searcher)  ->  parts: one a segment (its reader, offset, live documents)
                                   -> SegmentData, looked up by segment id, kept across
                                      generations: field lengths, facet columns, title keys,
                                      term statistics, postings (engine's cache)

Whoosh never rewrites a segment: a commit adds one, a merge replaces several with a new one,
and deletions are kept beside it. Everything the search reads from a segment is therefore
read once and kept under the segment's id across index generations; only the deletions are
read again for each generation. A commit of one article then costs a reader the new small
segment, not the whole index; and a process that read the segments before forking
(gunicorn's arbiter, see `Catalog.warm`) hands them to its workers.
"""

import dataclasses
import threading
from collections.abc import Callable

import numpy as np

# Answers a memo keeps (about 200 bytes an entry) before it forgets them all.
MEMO_ENTRIES = 100_000


class Memo(dict):
    """Answers to remember, forgotten all at once past MEMO_ENTRIES: a server that keeps
    one index generation for months sees new words in every query."""

    def __setitem__(self, key, value) -> None:
        if len(self) >= MEMO_ENTRIES:
            self.clear()
        super().__setitem__(key, value)


class SegmentData:
    """Values computed from one segment, each once (`cached`), plus term frequencies."""

    def __init__(self, leaf):
        self.id = leaf.segment().segment_id()
        self.size = leaf.doc_count_all()
        self._values: dict = {}
        self._frequencies: dict[tuple[str, str], int] = Memo()
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
        key = (field, text)
        found = self._frequencies.get(key)
        if found is None:
            try:
                found = leaf.doc_frequency(field, text)
            except (KeyError, ValueError):
                found = 0
            with self._lock:
                self._frequencies[key] = found
        return found


@dataclasses.dataclass(frozen=True)
class Part:
    """A segment as one generation sees it: its reader, its first document number in the
    generation, and which of its documents are live."""

    data: SegmentData
    leaf: object
    offset: int
    live: np.ndarray


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


def _live(leaf) -> np.ndarray:
    mask = np.ones(leaf.doc_count_all(), dtype=bool)
    if leaf.has_deletions():
        mask[np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)] = False
    return mask
