"""The write API's durable queue of operations, and the drain that applies them in one writer.

    request: check the records -> append operations --> writes.sqlite3 (index folder, WAL)
             answer (202: durable), or with refresh=wait_for, poll for the results
    writer process (`committer`): every REFRESH interval, hold the lock (writing.writer,
             an flock) -> take every pending operation, of every worker -> analyze and
             apply them in one batch -> one Whoosh commit -> record results

A request's operations are checked, normalized articles (`Article`), or deletions: the
costly analysis (pyvi) runs in the writer process, not in the worker that answers readers.
Once appended they survive the crash of any process (a committed SQLite transaction is in
the page cache). Whoever holds the writer lock applies everything pending in one commit
(group commit): the writes of a refresh interval share one. Results are recorded per
operation, for the requests that wait for them.

    pending --(applied to the writer, results recorded)--> committing --(commit)--> applied

A drainer killed after recording the results leaves `committing` rows: the next drainer
applies them again, which is harmless (an article already there is unchanged, a deletion
already done finds nothing) and keeps the results recorded the first time. Whoever takes
the writer (the writer process, the CLI's ingest and delete, the service at start) drains
the queue before writing anything else, so operations are applied in order.

A request that waits for its results waits a bounded time (then its operations stay
queued, for the next drain), polling the queue: a read of its own rows, no lock.
"""

import dataclasses
import os
import pickle
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Iterable
from pathlib import Path

from ..errors import IndexBusy, IndexUnwritable, QueueFull
from ..index import store, writing
from ..index.schema import SCHEMA_VERSION
from .article import Article
from .fields import prepare
from .outcomes import Status

QUEUE_FILE = "writes.sqlite3"
# Pending operations at most; beyond, writes are refused (503 with Retry-After). A request
# may overshoot it by its own size, so that a large write gets in once the queue drains.
MAX_PENDING = 10_000
# Operations applied in one commit at most (memory: about 20 KB of fields each).
MAX_BATCH = 2_000
# How often a waiting request looks for its results, or for the lock, in seconds.
POLL_SECONDS = 0.01
# Applied operations are kept this long after their request stopped waiting, then deleted.
KEEP_APPLIED_SECONDS = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    seq INTEGER PRIMARY KEY,
    request TEXT NOT NULL,
    article_id TEXT NOT NULL,
    content_hash TEXT,              -- NULL: a deletion
    fields BLOB,                    -- zlib(pickle(Article)); of an older version, its fields
    schema_version INTEGER NOT NULL,
    deadline REAL NOT NULL,         -- when its request stops waiting (time.time())
    state TEXT NOT NULL DEFAULT 'pending',
    result TEXT
);
CREATE INDEX IF NOT EXISTS operations_by_state ON operations (state, seq);
CREATE INDEX IF NOT EXISTS operations_by_request ON operations (request);
"""


@dataclasses.dataclass(frozen=True)
class Operation:
    """An article to add or replace, or an id to delete."""

    article_id: str
    content_hash: str | None = None
    article: Article | None = None

    @classmethod
    def delete(cls, article_id: str) -> "Operation":
        return cls(article_id)


@dataclasses.dataclass(frozen=True)
class _Row:
    seq: int
    article_id: str
    content_hash: str | None
    blob: bytes | None
    schema_version: int
    result: str | None


# How long a statement waits for another process's lock on the queue.
LOCK_SECONDS = 10.0


def _set_up(connection: sqlite3.Connection) -> None:
    """Put a new connection in WAL mode and make sure the tables exist. Processes that open
    a new queue file at once (a web worker's first write as the writer process starts)
    each want the lock that sets WAL mode; SQLite refuses one of them at once, without
    waiting, rather than risk a deadlock (1 in 20 tries of four processes): it tries again
    until LOCK_SECONDS have passed."""
    deadline = time.monotonic() + LOCK_SECONDS
    while True:
        try:
            # WAL with synchronous=NORMAL: a commit is durable against any process crash
            # (not a power cut), as Whoosh's commits are.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class WriteQueue:
    """The queue file of an index, opened on first use in each process."""

    def __init__(self, index: Path, max_pending: int = MAX_PENDING):
        self.index, self.path, self.max_pending = index, index / QUEUE_FILE, max_pending
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._lock = threading.RLock()

    def _connect(self) -> sqlite3.Connection:
        # A connection must not cross a fork: each process opens its own.
        if self._connection is None or self._pid != os.getpid():
            connection = sqlite3.connect(
                self.path, timeout=LOCK_SECONDS, isolation_level=None, check_same_thread=False
            )
            try:
                _set_up(connection)
            except sqlite3.Error:
                connection.close()
                raise
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _run(self, sql: str, parameters: Iterable = ()) -> list[tuple]:
        return self._use(lambda c: c.execute(sql, tuple(parameters)).fetchall())

    def _use(self, work, transaction: bool = False):
        """`work(connection)`, in one write transaction if `transaction`."""
        with self._lock:
            try:
                connection = self._connect()
                if not transaction:
                    return work(connection)
                connection.execute("BEGIN IMMEDIATE")
                try:
                    result = work(connection)
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                return result
            except sqlite3.Error as error:
                raise IndexUnwritable(
                    f"cannot use the queue of the write API at {self.path}: {error}"
                ) from None

    def append(self, operations: list[Operation], deadline: float, retry_after: int) -> str:
        """Queue `operations` in order; the id of the request. QueueFull when full."""
        request = uuid.uuid4().hex
        rows = [
            (
                request,
                op.article_id,
                op.content_hash,
                None if op.article is None else _pack(op.article),
                SCHEMA_VERSION,
                deadline,
            )
            for op in operations
        ]

        def append(connection: sqlite3.Connection) -> None:
            (pending,) = connection.execute(
                "SELECT count(*) FROM operations WHERE state != 'applied'"
            ).fetchone()
            if pending >= self.max_pending:
                raise QueueFull(
                    f"{pending:,} write operations are waiting to be applied (the queue holds "
                    f"{self.max_pending:,}); try again in {retry_after} s",
                    retry_after,
                )
            connection.executemany(
                "INSERT INTO operations (request, article_id, content_hash, fields,"
                " schema_version, deadline) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

        self._use(append, transaction=True)
        return request

    def results(self, request: str) -> list[str] | None:
        """The results of a request's operations in order, once all are applied."""
        rows = self._run(
            "SELECT state, result FROM operations WHERE request = ? ORDER BY seq", (request,)
        )
        if any(state != "applied" for state, _ in rows):
            return None
        return [result for _, result in rows]

    def forget(self, request: str) -> None:
        """Delete a request's applied operations, once it has read their results."""
        self._run("DELETE FROM operations WHERE request = ? AND state = 'applied'", (request,))

    def pending(self) -> bool:
        """Whether operations wait to be applied (False when the file does not exist)."""
        if self._connection is None and not self.path.exists():
            return False
        return bool(self._run("SELECT 1 FROM operations WHERE state != 'applied' LIMIT 1"))

    def queued(self, article_id: str) -> bool:
        """Whether an operation on `article_id` waits to be applied."""
        if self._connection is None and not self.path.exists():
            return False
        return bool(
            self._run(
                "SELECT 1 FROM operations WHERE state != 'applied' AND article_id = ? LIMIT 1",
                (article_id,),
            )
        )

    def _batch(self) -> list[_Row]:
        rows = self._run(
            "SELECT seq, article_id, content_hash, fields, schema_version, result"
            " FROM operations WHERE state != 'applied' ORDER BY seq LIMIT ?",
            (MAX_BATCH,),
        )
        return [_Row(*row) for row in rows]

    def _mark(self, rows: list[_Row], results: list[str], state: str) -> None:
        def mark(connection: sqlite3.Connection) -> None:
            connection.executemany(
                "UPDATE operations SET state = ?, result = ? WHERE seq = ?",
                [(state, result, row.seq) for row, result in zip(rows, results, strict=True)],
            )
            if state == "applied":
                connection.execute(
                    "DELETE FROM operations WHERE state = 'applied' AND deadline < ?",
                    (time.time() - KEEP_APPLIED_SECONDS,),
                )

        self._use(mark, transaction=True)

    def close(self) -> None:
        """Close the connection (a new one opens on the next use)."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None

    def __enter__(self) -> "WriteQueue":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _pack(article: Article) -> bytes:
    return zlib.compress(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _fields(blob: bytes) -> dict:
    """The Whoosh fields of a queued article, analyzed now."""
    # Only this module writes the queue file, inside the index folder: whoever can write
    # there can change the index itself.
    queued = pickle.loads(zlib.decompress(blob))
    if isinstance(queued, dict):
        return queued  # queued by a version that analyzed in the request
    return prepare(queued).fields


def submit(queue: WriteQueue, operations: list[Operation], wait: float) -> list[str] | None:
    """Queue `operations` (durable when this returns) and, if `wait`, wait up to that many
    seconds for the writer process to apply them: their results in order, or None while
    they are still queued."""
    store.check_version(queue.index)
    # The queue drains once a REFRESH interval: a client told to retry waits about one.
    request = queue.append(operations, time.time() + wait, max(1, round(wait)))
    until = time.monotonic() + wait
    while wait > 0:
        results = queue.results(request)
        if results is not None:
            queue.forget(request)
            return results
        if time.monotonic() >= until:
            break
        time.sleep(POLL_SECONDS)
    return None


def drain(queue: WriteQueue, merge: bool = True) -> int:
    """Apply every pending operation, in batches, if the writer lock is free; how many were
    applied. Merges small segments at its commits unless not `merge`."""
    applied = 0
    while queue.pending():
        try:
            with writing.writer(queue.index, 0, merge=merge) as writer:
                rows, results = _apply_batch(queue, writer)
        except IndexBusy:
            break
        except OSError as error:
            raise IndexUnwritable(
                f"cannot write the index at {queue.index}: {error.strerror or error}; the "
                "articles stay queued and are applied when the index can be written"
            ) from None
        queue._mark(rows, results, "applied")
        applied += len(rows)
    return applied


def drain_index(index: Path) -> int:
    """Apply every pending operation of the index at `index`, unless another process holds
    its writer (that one drains); how many were applied."""
    with WriteQueue(index) as queue:
        return drain(queue)


def drain_with(queue: WriteQueue, writer: writing.Writer) -> dict[str, str | None]:
    """Apply every pending operation with a writer already held (the CLI's), committing
    each batch; the content hash each touched article has now (None: deleted)."""
    touched: dict[str, str | None] = {}
    while queue.pending():
        rows, results = _apply_batch(queue, writer)
        writer.commit()
        queue._mark(rows, results, "applied")
        touched.update(
            (row.article_id, row.content_hash)
            for row, result in zip(rows, results, strict=True)
            if result != Status.DROPPED
        )
    return touched


def _apply_batch(queue: WriteQueue, writer: writing.Writer) -> tuple[list[_Row], list[str]]:
    """Apply one batch of pending operations to `writer` and record their results as
    `committing`; the caller commits, then marks them applied."""
    rows = queue._batch()
    results = _apply(rows, writer)
    queue._mark(rows, results, "committing")
    return rows, results


def _apply(rows: list[_Row], writer: writing.Writer) -> list[str]:
    """The results of `rows` applied in order. Writes only the final state of each article:
    Whoosh would keep two documents for an id added twice before one commit."""
    committed: dict[str, str | None] = {}
    state: dict[str, str | None] = {}
    last: dict[str, _Row] = {}
    results: list[str] = []
    for row in rows:
        if row.schema_version != SCHEMA_VERSION:
            results.append(Status.DROPPED)
            continue
        article_id = row.article_id
        if article_id not in state:
            committed[article_id] = state[article_id] = writer.content_hash(article_id)
        before = state[article_id]
        if row.content_hash is None:
            result = Status.DELETED if before else Status.NOT_FOUND
        elif before == row.content_hash:
            result = Status.UNCHANGED
        else:
            result = Status.REPLACED if before else Status.ADDED
        state[article_id] = row.content_hash
        last[article_id] = row
        # A row applied by a drainer that was killed before marking it keeps its first result.
        results.append(row.result or result)
    for article_id, row in last.items():
        if state[article_id] == committed[article_id]:
            continue
        if row.content_hash is None:
            writer.delete(article_id)
        else:
            assert row.blob is not None, "an operation with a content hash holds its article"
            writer.update(_fields(row.blob))
    return results
