"""Counts of what readers search for, to see what they look for and what they miss.

One row per day and normalized query text, with how many times it was searched, how many
articles the last of those searches found, and how many different readers asked it that
day (counted up to the number that makes it shown). What a single reader typed is never
shown: a query is listed once `min_visitors` different readers searched it on one day.
Readers are told apart by a keyed hash of their address (its /64 network for IPv6) whose
key is drawn at random each day and deleted with that day's hashes at midnight, so no
address is stored, and yesterday's hashes cannot be matched to an address by trying them
all. Queries that look like personal data (a phone or ID card number, an e-mail address)
are never stored.

The file is bounded: days older than the retention are deleted; at most a set number of
distinct queries are counted a day, and one reader may add at most `client_queries` of
them, so no client alone can use up the day's quota (the table of today's readers is
bounded too).

Each worker process opens its own connection lazily. WAL mode with `synchronous=NORMAL`
makes a count an append to the write-ahead log, without waiting for the disk, and lets the
stats page read while workers write. A failure to record is logged and never fails a search.
"""

import dataclasses
import datetime
import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import sqlite3
import threading
from pathlib import Path

from ..text.normalize import normalize_line

MAX_QUERY_CHARS = 200
# Today's readers counted at most (each a hash, and how many new queries it added).
MAX_CLIENTS_A_DAY = 100_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    day TEXT NOT NULL,
    query TEXT NOT NULL,
    searches INTEGER NOT NULL,
    results INTEGER NOT NULL,
    visitors INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, query)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS day_keys (day TEXT PRIMARY KEY, key BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS askers (
    day TEXT NOT NULL, query TEXT NOT NULL, visitor TEXT NOT NULL,
    PRIMARY KEY (day, query, visitor)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS clients (
    day TEXT NOT NULL, visitor TEXT NOT NULL, queries INTEGER NOT NULL,
    PRIMARY KEY (day, visitor)
) WITHOUT ROWID;
"""
# A phone number (0912 345 678, +84 912.345.678), an ID card number (CMND 9 digits, CCCD
# 12): nine digits or more, alone or in groups. And an e-mail address. Queries are cut to
# MAX_QUERY_CHARS before the check, which bounds its time.
_PERSONAL = re.compile(r"\d(?:[ .()-]?\d){8}|[^\s@]+@[^\s@]+\.[^\s@]")
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


def looks_personal(query: str) -> bool:
    """Whether `query` holds what looks like a phone or ID number or an e-mail address."""
    return _PERSONAL.search(query) is not None


def client_of(address: str | None) -> str:
    """What tells readers apart: their address; for IPv6, its /64 network (one household or
    one machine may hold a whole /64 and draw addresses from it at will)."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "-"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class SearchLog:
    """The search counts in one SQLite file."""

    def __init__(
        self,
        path: Path,
        keep_days: int,
        max_queries_a_day: int,
        min_visitors: int = 3,
        client_queries: int = 30,
    ):
        self.path, self.keep_days, self.max_queries = path, keep_days, max_queries_a_day
        self.min_visitors, self.client_queries = min_visitors, client_queries
        self._connection: sqlite3.Connection | None = None
        self._pruned_on: str | None = None
        self._day_key: tuple[str, bytes] | None = None
        self._lock = threading.Lock()
        self._warned = False

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=2.0, check_same_thread=False)
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.executescript(_SCHEMA)
                columns = {row[1] for row in connection.execute("PRAGMA table_info(searches)")}
                if "visitors" not in columns:
                    # Counts of an earlier version, which did not tell readers apart: none
                    # of their queries is known to be asked by several, so none is shown.
                    connection.execute(
                        "ALTER TABLE searches ADD COLUMN visitors INTEGER NOT NULL DEFAULT 0"
                    )
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

    def record(
        self, query: str, results: int, client: str, day: datetime.date | None = None
    ) -> None:
        """Count one search of `query` that found `results` articles, asked by the reader
        at the address `client` (used for a hash of today's key, never stored)."""
        text = normalize_query(query)
        if not text or looks_personal(text):
            return
        today = (day or datetime.date.today()).isoformat()
        try:
            with self._lock:
                connection = self._connect()
                with connection:
                    self._prune(connection, today)
                    visitor = self._visitor(connection, today, client)
                    self._count(connection, today, text, results, visitor)
        except (sqlite3.Error, OSError) as error:
            self._failed("searches are not counted in", error)

    def _count(self, connection, today: str, text: str, results: int, visitor: str) -> None:
        row = connection.execute(
            "SELECT visitors FROM searches WHERE day = ? AND query = ?", (today, text)
        ).fetchone()
        if row is None:
            if not self._may_add(connection, today, visitor):
                return
            connection.execute(
                "INSERT INTO searches VALUES (?, ?, 1, ?, 0)", (today, text, results)
            )
            connection.execute(
                "INSERT INTO clients VALUES (?, ?, 1) ON CONFLICT (day, visitor)"
                " DO UPDATE SET queries = queries + 1",
                (today, visitor),
            )
            row = (0,)
        else:
            connection.execute(
                "UPDATE searches SET searches = searches + 1, results = ?"
                " WHERE day = ? AND query = ?",
                (results, today, text),
            )
        # Readers are remembered only until the query has enough of them to be shown.
        if row[0] < self.min_visitors:
            added = connection.execute(
                "INSERT OR IGNORE INTO askers VALUES (?, ?, ?)", (today, text, visitor)
            ).rowcount
            if added:
                connection.execute(
                    "UPDATE searches SET visitors = visitors + 1 WHERE day = ? AND query = ?",
                    (today, text),
                )

    def _may_add(self, connection, today: str, visitor: str) -> bool:
        """Whether a new query of `visitor` may be counted today: within the day's quota,
        within the reader's own, and the reader within the day's table of readers."""
        (queries,) = connection.execute(
            "SELECT count(*) FROM searches WHERE day = ?", (today,)
        ).fetchone()
        if queries >= self.max_queries:
            return False
        mine = connection.execute(
            "SELECT queries FROM clients WHERE day = ? AND visitor = ?", (today, visitor)
        ).fetchone()
        if mine is not None:
            return mine[0] < self.client_queries
        (clients,) = connection.execute(
            "SELECT count(*) FROM clients WHERE day = ?", (today,)
        ).fetchone()
        return clients < MAX_CLIENTS_A_DAY

    def _visitor(self, connection, today: str, client: str) -> str:
        """The keyed hash of `client` under today's key (drawn once a day for every worker
        process: the first to need it stores it, the others read it)."""
        if self._day_key is None or self._day_key[0] != today:
            connection.execute(
                "INSERT OR IGNORE INTO day_keys VALUES (?, ?)", (today, secrets.token_bytes(32))
            )
            (key,) = connection.execute(
                "SELECT key FROM day_keys WHERE day = ?", (today,)
            ).fetchone()
            self._day_key = (today, key)
        digest = hmac.new(self._day_key[1], client_of(client).encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _prune(self, connection: sqlite3.Connection, today: str) -> None:
        if self._pruned_on == today:
            return
        oldest = datetime.date.fromisoformat(today) - datetime.timedelta(days=self.keep_days)
        connection.execute("DELETE FROM searches WHERE day <= ?", (oldest.isoformat(),))
        # Yesterday's key and hashes go at the first search of the day: kept, they would
        # let whoever reads the file try every address against them.
        for table in ("day_keys", "askers", "clients"):
            connection.execute(f"DELETE FROM {table} WHERE day < ?", (today,))
        self._pruned_on = today

    def frequent(self, days: int, limit: int = 50, found_nothing: bool = False):
        """The most searched queries of the last `days` days (those that found nothing),
        among those that `min_visitors` different readers searched on one day."""
        since = (datetime.date.today() - datetime.timedelta(days=days - 1)).isoformat()
        where = "day >= ?1" + (" AND results = 0" if found_nothing else "")
        where += " AND query IN (SELECT query FROM searches WHERE day >= ?1 AND visitors >= ?3)"
        try:
            with self._lock:
                rows = (
                    self._connect()
                    .execute(
                        # The result count of the latest day the query was searched.
                        "SELECT query, sum(searches) AS n, max(day || ' ' || results)"
                        f" FROM searches WHERE {where} GROUP BY query"
                        " ORDER BY n DESC, query LIMIT ?2",
                        (since, limit, self.min_visitors),
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
