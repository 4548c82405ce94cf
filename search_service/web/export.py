"""CSV export of every match of a search, streamed page by page, up to a cap.

The first page is searched before the response starts, so that a bad parameter is a 400
and not a broken download. Cells are plain text (the marks of highlighted titles removed);
a cell that a spreadsheet would run as a formula is prefixed with an apostrophe. The file
starts with a byte-order mark, so that spreadsheets read its Vietnamese as UTF-8.
"""

import csv
import dataclasses
import html
import io
import math
import re
from collections.abc import Iterator

from ..search.catalog import Catalog
from ..search.searching import search
from ..search.types import MAX_DEPTH, MAX_LIMIT, Hit, SearchRequest

COLUMNS = ("id", "title", "date", "sector", "topics", "url", "score")
_MARK = re.compile(r"</?mark>")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclasses.dataclass(frozen=True)
class Export:
    """A CSV export: how many articles matched, how many rows it holds, and its lines."""

    total: int
    rows: int
    lines: Iterator[str]

    @property
    def truncated(self) -> bool:
        return self.rows < self.total


def export(catalog: Catalog, request: SearchRequest, max_rows: int) -> Export:
    """Every match of `request` (its page and limit ignored), at most `max_rows`."""
    cap = min(max_rows, MAX_DEPTH)
    first_page = dataclasses.replace(request, page=1, limit=min(MAX_LIMIT, cap))
    first = search(catalog, first_page)
    rows = min(first.total, cap)

    def lines() -> Iterator[str]:
        yield "\ufeff" + _line(COLUMNS)
        hits = first.hits
        pages = math.ceil(rows / first_page.limit)
        for page in range(1, pages + 1):
            if page > 1:
                hits = search(catalog, dataclasses.replace(first_page, page=page)).hits
            left = rows - (page - 1) * first_page.limit
            for hit in hits[:left]:
                yield _line(_cells(hit))

    return Export(first.total, rows, lines())


def _cells(hit: Hit) -> list[str]:
    return [
        hit.id,
        html.unescape(_MARK.sub("", hit.title)),
        hit.date or "",
        hit.sector or "",
        "; ".join(hit.topics),
        hit.url or "",
        "" if hit.score is None else f"{hit.score:g}",
    ]


def _line(cells) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_defused(str(cell)) for cell in cells])
    return out.getvalue()


def _defused(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell
