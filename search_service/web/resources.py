"""What the app holds open: the index catalog, the search log and the write API's queue,
one of each per process.

They open lazily on first use, so a gunicorn worker opens them after the fork and never
shares a file handle with its siblings. The catalog refreshes its searcher when a commit
lands, so an article indexed while the service runs is found on the next request.
"""

import logging
import time
from pathlib import Path

from flask import Flask, current_app

from ..errors import SearchServiceError
from ..index import stats, store
from ..index.stats import IndexStats
from ..ingest.write_queue import WriteQueue
from ..search.catalog import Catalog
from ..search.types import SearchRequest, SearchResult
from .search_log import QueryCount, SearchLog

_CATALOG = "search_service.search.catalog"
_SEARCH_LOG = "search_service.search_log"
_WRITE_QUEUE = "search_service.ingest.write_queue"


def init_app(app: Flask) -> None:
    """Create the catalog and the search log of `app` (nothing is opened yet)."""
    path = store.index_path(app.config["INDEX"])
    app.extensions[_CATALOG] = Catalog(path)
    app.extensions[_SEARCH_LOG] = _search_log(app.config, path)
    app.extensions[_WRITE_QUEUE] = WriteQueue(path, app.config["WRITE_QUEUE_MAX"])


def _search_log(config, index: Path) -> SearchLog | None:
    where = config["SEARCH_LOG"]
    if where == "off":
        return None
    path = Path(where) if where else index.with_name(index.name + ".searches.sqlite3")
    return SearchLog(
        path,
        config["SEARCH_LOG_DAYS"],
        config["SEARCH_LOG_MAX_QUERIES"],
        config["SEARCH_LOG_MIN_VISITORS"],
        config["SEARCH_LOG_CLIENT_QUERIES"],
    )


def warm(app: Flask, log: logging.Logger) -> None:
    """Read the index of `app` ahead (see `Catalog.warm`): gunicorn's arbiter calls this
    before forking its workers, which then share what was read. No index yet is fine."""
    started = time.monotonic()
    try:
        read = app.extensions[_CATALOG].warm(app.config["WARM_SECONDS"])
    except SearchServiceError as error:
        log.warning("index not read ahead: %s", error.message)
        return
    log.info(
        "index read ahead in %.1f s (%d postings lists of frequent terms)",
        time.monotonic() - started,
        read,
    )


def catalog() -> Catalog:
    """The index of the current app."""
    return current_app.extensions[_CATALOG]


def search_log() -> SearchLog | None:
    """The search log of the current app, None when it keeps none."""
    return current_app.extensions[_SEARCH_LOG]


def write_queue() -> WriteQueue:
    """The write API's queue of the current app's index."""
    return current_app.extensions[_WRITE_QUEUE]


def index_stats() -> IndexStats:
    """What the index holds, counted once per index generation."""
    opened = catalog()
    return opened.current().cached("index_stats", lambda: stats.index_stats(opened.path))


def count_search(request: SearchRequest, result: SearchResult, client: str | None) -> None:
    """Count a reader's search: a query searched on its own (first page, no filter, by
    relevance), not the page turns, filters and orders that refine it, so that each typed
    query counts once and "found nothing" means the query itself found nothing. `client`
    is the reader's address, which tells readers apart (see search_log)."""
    log = search_log()
    if log is None or not request.q.strip():
        return
    filtered = request.date_from or request.date_to or request.sectors or request.topics
    if (
        request.page == 1
        and request.sort == "relevance"
        and not filtered
        and not request.related_to
    ):
        log.record(request.q, result.total, client or "")


def search_counts(days: int, rows: int = 50) -> dict[str, list[QueryCount]] | None:
    """The most frequent searches of the last `days` days, and those that found nothing;
    None when the app keeps no search log."""
    log = search_log()
    if log is None:
        return None
    return {
        "frequent": log.frequent(days, rows),
        "found_nothing": log.frequent(days, rows, found_nothing=True),
    }


def close(app: Flask) -> None:
    """Release the index and the search log of `app`."""
    app.extensions[_CATALOG].close()
    app.extensions[_WRITE_QUEUE].close()
    if app.extensions[_SEARCH_LOG] is not None:
        app.extensions[_SEARCH_LOG].close()
