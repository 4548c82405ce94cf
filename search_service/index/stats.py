"""What an index holds: article count, sectors, date range, size, schema version."""

import dataclasses
import datetime
from pathlib import Path

from whoosh.util.times import long_to_datetime

from . import store
from .columns import column_values
from .schema import SCHEMA_VERSION


@dataclasses.dataclass(frozen=True)
class IndexStats:
    """A summary of an index."""

    path: str
    articles: int
    sectors: dict[str, int]
    first_date: str | None
    last_date: str | None
    size_bytes: int
    schema_version: int
    generation: int


def index_stats(path: Path) -> IndexStats:
    """Count what the index at `path` holds."""
    with store.open_searcher(path) as searcher:
        reader = searcher.reader()
        sectors: dict[str, int] = {}
        dates: list[datetime.datetime] = []
        if reader.doc_count():
            sector_column = column_values(reader, "sector")
            # Raw numbers: articles without a date hold a sentinel no datetime can represent.
            date_column = column_values(reader, "date", translate=False)
            for docnum in reader.all_doc_ids():
                sector = sector_column[docnum]
                if sector:
                    sectors[sector] = sectors.get(sector, 0) + 1
                date = _datetime(date_column[docnum])
                if date:
                    dates.append(date)
        return IndexStats(
            path=str(path),
            articles=reader.doc_count(),
            sectors=dict(sorted(sectors.items(), key=lambda item: (-item[1], item[0]))),
            first_date=min(dates).date().isoformat() if dates else None,
            last_date=max(dates).date().isoformat() if dates else None,
            size_bytes=sum(f.stat().st_size for f in path.iterdir() if f.is_file()),
            schema_version=SCHEMA_VERSION,
            generation=store.latest_generation(path),
        )


def _datetime(raw: int | None) -> datetime.datetime | None:
    try:
        return long_to_datetime(raw)
    except (OverflowError, ValueError, TypeError):
        return None
