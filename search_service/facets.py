"""Facet counts: sectors, topics and years of the articles a search matches.

The counts come from columns read once per index generation into NumPy arrays (a sector code
and a year per document, and a flat list of (document, topic) pairs), so counting a match
set of any size is a few vectorized passes, not a loop over documents. A facet's own
selection does not narrow its own counts: selecting one sector still shows how many
articles the other sectors hold for the same query, so the reader can widen or switch.
"""

import dataclasses

import numpy as np
from whoosh.util.times import long_to_datetime

MAX_TOPIC_VALUES = 30


@dataclasses.dataclass(frozen=True)
class FacetValue:
    """One value of a facet, how many matching articles have it, and whether it is chosen."""

    value: str
    count: int
    selected: bool


@dataclasses.dataclass(frozen=True)
class FacetColumns:
    """Per-document facet values of one generation, as arrays."""

    sector: np.ndarray  # code into sector_names, -1 for none
    sector_names: list[str]
    year: np.ndarray  # 0 for none
    topic_doc: np.ndarray  # document of each (document, topic) pair
    topic: np.ndarray  # code into topic_names of each pair
    topic_names: list[str]

    @classmethod
    def read(cls, reader) -> "FacetColumns":
        """Read the columns of every document of `reader`."""
        size = reader.doc_count_all()
        if size == 0:
            empty = np.zeros(0, dtype=np.int32)
            return cls(empty, [], empty, empty, empty, [])
        sectors = reader.column_reader("sector")
        dates = reader.column_reader("date", translate=False)
        topics = reader.column_reader("topic_list")
        sector_codes: dict[str, int] = {}
        topic_codes: dict[str, int] = {}
        sector = np.full(size, -1, dtype=np.int32)
        year = np.zeros(size, dtype=np.int32)
        pairs_doc: list[int] = []
        pairs_topic: list[int] = []
        for docnum in range(size):
            name = sectors[docnum]
            if name:
                sector[docnum] = sector_codes.setdefault(name, len(sector_codes))
            year[docnum] = _year(dates[docnum])
            for topic in topics[docnum] or ():
                pairs_doc.append(docnum)
                pairs_topic.append(topic_codes.setdefault(topic, len(topic_codes)))
        return cls(
            sector,
            list(sector_codes),
            year,
            np.array(pairs_doc, dtype=np.int32),
            np.array(pairs_topic, dtype=np.int32),
            list(topic_codes),
        )

    def count(
        self, matched: np.ndarray, sectors: tuple[str, ...], topics: tuple[str, ...]
    ) -> tuple[dict[str, list[FacetValue]], int]:
        """Facet counts over `matched` docnums, each facet ignoring its own selection, and
        how many of them the selection keeps."""
        in_match = np.zeros(len(self.sector), dtype=bool)
        in_match[matched] = True
        by_sector = self._mask_sectors(sectors)
        by_topic = self._mask_topics(topics)
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
                np.bincount(
                    self.topic[(in_match & by_sector)[self.topic_doc]],
                    minlength=len(self.topic_names),
                ),
                topics,
                MAX_TOPIC_VALUES,
            ),
            "years": self._years(kept),
        }
        return facets, int(kept.sum())

    def _mask_sectors(self, sectors: tuple[str, ...]) -> np.ndarray:
        if not sectors:
            return np.ones(len(self.sector), dtype=bool)
        codes = [self.sector_names.index(s) for s in sectors if s in self.sector_names]
        return np.isin(self.sector, codes)

    def _mask_topics(self, topics: tuple[str, ...]) -> np.ndarray:
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
    order = sorted(range(len(names)), key=lambda i: (-counts[i], names[i]))
    values = [
        FacetValue(names[i], int(counts[i]), names[i] in selected)
        for i in order
        if counts[i] or names[i] in selected
    ]
    if limit is not None:
        chosen = [v for v in values if v.selected]
        values = chosen + [v for v in values if not v.selected][: max(0, limit - len(chosen))]
    return values


def _year(raw: int) -> int:
    try:
        return long_to_datetime(raw).year
    except (OverflowError, ValueError, TypeError):
        return 0
