"""Counts of what readers search for, to see what they look for and what they miss.

Nothing about the reader is kept: one row per day and normalized query text, with how many
times it was searched and how many articles the last of those searches found. The file is
bounded: days older than the retention are deleted, and at most a set number of distinct
queries are counted a day (a flood of random queries cannot grow it).

Each worker process opens its own connection lazily. WAL mode with `synchronous=NORMAL`
makes a count an append to the write-ahead log, without waiting for the disk, and lets the
stats page read while workers write. A failure to record is logged and never fails a search.
"""

import dataclasses
import datetime
import logging
import sqlite3
import threading
from pathlib import Path

from ..normalize import normalize_line

MAX_QUERY_CHARS = 200
_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    day TEXT NOT NULL,
    query TEXT NOT NULL,
    searches INTEGER NOT NULL,
    results INTEGER NOT NULL,
    PRIMARY KEY (day, query)
) WITHOUT ROWID
"""
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class QueryCount:
    """A query, how often it was searched, and how many articles it last found."""

    query: str
    searches: int
    results: int


def normalize_query(text: str) -> str:
    """The form a query is counted under: normalized letters and spaces, lowercase."""
    return normalize_line(text).lower()[:MAX_QUERY_CHARS]


class SearchLog:
    """The search counts in one SQLite file."""

    def __init__(self, path: Path, keep_days: int, max_queries_a_day: int):
        self.path, self.keep_days, self.max_queries = path, keep_days, max_queries_a_day
        self._connection: sqlite3.Connection | None = None
        self._pruned_on: str | None = None
        self._lock = threading.Lock()
        self._warned = False

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=2.0, check_same_thread=False)
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(_SCHEMA)
                connection.commit()
            except sqlite3.Error:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _failed(self, doing: str, error: Exception) -> None:
        # Once a process: a log that cannot be written would otherwise fill the error log.
        if not self._warned:
            log.warning("%s %s: %s", doing, self.path, error)
            self._warned = True

    def record(self, query: str, results: int, day: datetime.date | None = None) -> None:
        """Count one search of `query` that found `results` articles."""
        text = normalize_query(query)
        if not text:
            return
        today = (day or datetime.date.today()).isoformat()
        try:
            with self._lock:
                connection = self._connect()
                with connection:
                    self._prune(connection, today)
                    updated = connection.execute(
                        "UPDATE searches SET searches = searches + 1, results = ?"
                        " WHERE day = ? AND query = ?",
                        (results, today, text),
                    ).rowcount
                    if not updated:
                        connection.execute(
                            "INSERT INTO searches SELECT ?, ?, 1, ?"
                            " WHERE (SELECT count(*) FROM searches WHERE day = ?) < ?",
                            (today, text, results, today, self.max_queries),
                        )
        except (sqlite3.Error, OSError) as error:
            self._failed("searches are not counted in", error)

    def _prune(self, connection: sqlite3.Connection, today: str) -> None:
        if self._pruned_on == today:
            return
        oldest = datetime.date.fromisoformat(today) - datetime.timedelta(days=self.keep_days)
        connection.execute("DELETE FROM searches WHERE day <= ?", (oldest.isoformat(),))
        self._pruned_on = today

    def frequent(self, days: int, limit: int = 50, found_nothing: bool = False):
        """The most searched queries of the last `days` days (those that found nothing)."""
        since = (datetime.date.today() - datetime.timedelta(days=days - 1)).isoformat()
        where = "day >= ?" + (" AND results = 0" if found_nothing else "")
        try:
            with self._lock:
                rows = (
                    self._connect()
                    .execute(
                        # The result count of the latest day the query was searched.
                        "SELECT query, sum(searches) AS n, max(day || ' ' || results)"
                        f" FROM searches WHERE {where} GROUP BY query"
                        " ORDER BY n DESC, query LIMIT ?",
                        (since, limit),
                    )
                    .fetchall()
                )
        except (sqlite3.Error, OSError) as error:
            self._failed("cannot read search counts from", error)
            return []
        return [QueryCount(query, n, int(last.split(" ")[1])) for query, n, last in rows]

    def close(self) -> None:
        """Close the connection (a new one opens on the next use)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
