"""Facet counts: sectors, topics and years of the articles a search matches.

The counts come from columns read once per index generation into NumPy arrays (a sector code
and a year per document, and a flat list of (document, topic) pairs), so counting a match
set of any size is a few vectorized passes, not a loop over documents. A facet's own
selection does not narrow its own counts: selecting one sector still shows how many
articles the other sectors hold for the same query, so the reader can widen or switch.
"""

import dataclasses
import functools

import numpy as np
from whoosh.util.times import long_to_datetime

from ..index.columns import column_values
from ..index.segment_data import Part
from .types import FacetValue

MAX_TOPIC_VALUES = 30
# Below this share of the documents matching, topics are counted from the matches' own
# pairs; above it, in one pass over every pair.
SPARSE_SHARE = 1 / 8


@dataclasses.dataclass(frozen=True)
class FacetColumns:
    """Per-document facet values of one generation, as arrays."""

    sector: np.ndarray  # code into sector_names, -1 for none
    sector_names: list[str]
    year: np.ndarray  # 0 for none
    date: np.ndarray  # Whoosh's number for the date, -1 for none
    topic_doc: np.ndarray  # document of each (document, topic) pair
    topic: np.ndarray  # code into topic_names of each pair
    topic_names: list[str]

    @classmethod
    def of_parts(cls, parts: list[Part]) -> "FacetColumns":
        """The columns of a generation, from those of its segments (read once each)."""
        pieces = [
            (part.offset, part.data.cached("facets", lambda p=part: cls.read(p.leaf)))
            for part in parts
        ]
        sector_names: dict[str, int] = {}
        topic_names: dict[str, int] = {}
        sectors, years, dates, topic_docs, topics = [], [], [], [], []
        for offset, piece in pieces:
            # Each segment codes its own names; recode them into the generation's.
            recode = np.array(
                [sector_names.setdefault(n, len(sector_names)) for n in piece.sector_names] + [-1],
                dtype=np.int32,
            )
            sectors.append(recode[piece.sector])  # -1 (no sector) picks the last entry
            recode = np.array(
                [topic_names.setdefault(n, len(topic_names)) for n in piece.topic_names],
                dtype=np.int32,
            )
            topics.append(recode[piece.topic])
            topic_docs.append(piece.topic_doc + offset)
            years.append(piece.year)
            dates.append(piece.date)
        if not pieces:
            return cls.read(None)
        return cls(
            np.concatenate(sectors),
            list(sector_names),
            np.concatenate(years),
            np.concatenate(dates),
            np.concatenate(topic_docs).astype(np.int32),
            np.concatenate(topics).astype(np.int32),
            list(topic_names),
        )

    @classmethod
    def read(cls, reader) -> "FacetColumns":
        """Read the columns of every document of `reader` (of one segment, or None)."""
        size = reader.doc_count_all() if reader is not None else 0
        if size == 0:
            empty = np.zeros(0, dtype=np.int32)
            return cls(empty, [], empty, np.zeros(0, dtype=np.int64), empty, empty, [])
        sectors = column_values(reader, "sector")
        dates = column_values(reader, "date", translate=False)
        topics = column_values(reader, "topic_list")
        sector_codes: dict[str, int] = {}
        topic_codes: dict[str, int] = {}
        sector = np.full(size, -1, dtype=np.int32)
        year = np.zeros(size, dtype=np.int32)
        date = np.full(size, -1, dtype=np.int64)
        pairs_doc: list[int] = []
        pairs_topic: list[int] = []
        for docnum in range(size):
            name = sectors[docnum]
            if name:
                sector[docnum] = sector_codes.setdefault(name, len(sector_codes))
            year[docnum] = _year(dates[docnum])
            if year[docnum]:
                date[docnum] = dates[docnum]
            for topic in topics[docnum] or ():
                pairs_doc.append(docnum)
                pairs_topic.append(topic_codes.setdefault(topic, len(topic_codes)))
        return cls(
            sector,
            list(sector_codes),
            year,
            date,
            np.array(pairs_doc, dtype=np.int32),
            np.array(pairs_topic, dtype=np.int32),
            list(topic_codes),
        )

    def count(
        self, in_match: np.ndarray, sectors: tuple[str, ...], topics: tuple[str, ...]
    ) -> tuple[dict[str, list[FacetValue]], np.ndarray]:
        """Facet counts over the matching documents (a mask), each facet ignoring its own
        selection, and the mask of those the selection keeps."""
        by_sector = self.mask_sectors(sectors)
        by_topic = self.mask_topics(topics)
        kept = in_match & by_sector & by_topic
        facets = {
            "sectors": _values(
                self.sector_names,
                np.bincount(
                    self.sector[in_match & by_topic & (self.sector >= 0)],
                    minlength=len(self.sector_names),
                ),
                sectors,
            ),
            "topics": _values(
                self.topic_names,
                self._topic_counts(in_match & by_sector),
                topics,
                MAX_TOPIC_VALUES,
            ),
            "years": self._years(kept),
        }
        return facets, kept

    @functools.cached_property
    def _topic_start(self) -> np.ndarray:
        """Where each document's pairs begin (the pairs are in document order), and the end."""
        per_document = np.bincount(self.topic_doc, minlength=len(self.sector))
        return np.concatenate([[0], np.cumsum(per_document)])

    def _topic_counts(self, mask: np.ndarray) -> np.ndarray:
        """How many documents of `mask` have each topic."""
        if mask.sum() > SPARSE_SHARE * len(mask):
            pairs = self.topic[mask[self.topic_doc]]
        else:
            docs = np.flatnonzero(mask)
            starts, ends = self._topic_start[docs], self._topic_start[docs + 1]
            lengths = ends - starts
            # The positions starts[i] .. ends[i] of every document, in one array.
            shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            pairs = self.topic[shift + np.arange(lengths.sum())]
        return np.bincount(pairs, minlength=len(self.topic_names))

    def mask_dates(self, start: int, end: int) -> np.ndarray:
        """Documents dated from `start` to `end` inclusive (Whoosh's date numbers)."""
        return (self.date >= start) & (self.date <= end)

    def mask_sectors(self, sectors: tuple[str, ...]) -> np.ndarray:
        """Documents in any of `sectors` (all documents when none is chosen)."""
        if not sectors:
            return np.ones(len(self.sector), dtype=bool)
        codes = [self.sector_names.index(s) for s in sectors if s in self.sector_names]
        return np.isin(self.sector, codes)

    def mask_topics(self, topics: tuple[str, ...]) -> np.ndarray:
        """Documents with any of `topics` (all documents when none is chosen)."""
        mask = np.ones(len(self.sector), dtype=bool)
        if topics:
            codes = [self.topic_names.index(t) for t in topics if t in self.topic_names]
            mask[:] = False
            mask[self.topic_doc[np.isin(self.topic, codes)]] = True
        return mask

    def _years(self, mask: np.ndarray) -> list[FacetValue]:
        years, counts = np.unique(self.year[mask & (self.year > 0)], return_counts=True)
        order = np.argsort(-years)
        return [FacetValue(str(years[i]), int(counts[i]), False) for i in order]


def _values(
    names: list[str], counts: np.ndarray, selected: tuple[str, ...], limit: int | None = None
) -> list[FacetValue]:
    chosen_codes = [names.index(name) for name in selected if name in names]
    nonzero = np.flatnonzero(counts)
    if limit is not None and len(nonzero) > limit:
        # Only the most frequent values are shown: keep those at least as frequent as the
        # last one shown (all of its ties, so that names decide among them, not codes)
        # before sorting by name.
        threshold = -np.partition(-counts[nonzero], limit - 1)[limit - 1]
        nonzero = nonzero[counts[nonzero] >= threshold]
    present = set(nonzero.tolist()) | set(chosen_codes)
    order = sorted(present, key=lambda i: (-counts[i], names[i]))
    values = [FacetValue(names[i], int(counts[i]), names[i] in selected) for i in order]
    if limit is not None:
        chosen = [v for v in values if v.selected]
        values = chosen + [v for v in values if not v.selected][: max(0, limit - len(chosen))]
    return values


def _year(raw: int) -> int:
    try:
        return long_to_datetime(raw).year
    except (OverflowError, ValueError, TypeError):
        return 0
