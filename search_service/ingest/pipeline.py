"""Ingest: source files in, index out.

    reader (this process)  ->  workers: parse, validate, segment, analyze  ->  one writer

The main process reads the files into units of raw bytes (cheap) and is the index's only
writer. Worker processes (one a core) do everything expensive: JSON decoding and page
parsing, validation and normalization, and the article's fields (`fields.prepare`: pyvi
segmentation, topic derivation and the analysis), and hand back finished postings. An
article whose content hash matches the one already indexed under its id is reported
unchanged and costs no segmentation; a unit whose raw bytes are those of an indexed article
is not even sent to a worker.

The writer commits in batches (`batches`: `COMMIT_EVERY` articles at first, growing with
the run, at least every `COMMIT_SECONDS` and before its postings outgrow its memory), so
that a run killed at any moment loses at most the batch in progress; re-running the same
ingest skips what is already in and completes the rest. Outcomes reach the writer in the
order their records were read (a record settled without a worker, unchanged or unreadable,
waits for the chunks before it), so each commit holds the first N records read, and
`Summary.committed` says N: what a caller may take as acknowledged. While it holds the
writer, it also applies what the write API queued (`write_queue`): first, at each commit,
and after its last one.
"""

import collections
import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import BadRecord
from ..index import store, writing
from ..sources.reader import Problem, Unit, parse_unit, read_paths
from . import write_queue
from .article import Article
from .batches import COMMIT_EVERY, Run, UnitOutcome
from .fields import prepare
from .outcomes import Status, Summary

# The sample articles shipped with the package: the default data of a new install.
SAMPLES = Path(__file__).parents[1] / "samples"
_CHUNKSIZE = 8
_MAX_PENDING_CHUNKS = 256


# Set in each worker by the pool initializer (fork start: inherited, not pickled).
_known_hashes: dict[str, str] = {}
_default_sector: str | None = None


def _init_worker(known_hashes: dict[str, str], sector: str | None) -> None:
    global _known_hashes, _default_sector
    _known_hashes, _default_sector = known_hashes, sector


def _work_chunk(units: list[Unit]) -> list[UnitOutcome]:
    return [_work(unit) for unit in units]


def _work(unit: Unit) -> UnitOutcome:
    """In a worker: one unit to a Prepared article, UNCHANGED, or the error."""
    try:
        article = Article.from_record(parse_unit(unit), sector=_default_sector)
        content_hash = article.content_hash()
        if _known_hashes.get(article.id) == content_hash:
            return Status.UNCHANGED
        prepared = prepare(article, content_hash)
        prepared.fields["source_hash"] = unit.digest
        return prepared
    except BadRecord as error:
        if error.source:
            return error
        return BadRecord(error.reason, unit.source, unit.line)


def ingest(
    paths: Iterable[str | os.PathLike],
    index: Path,
    *,
    format: str | None = None,
    sector: str | None = None,
    rebuild: bool = False,
    workers: int | None = None,
    progress: Callable[[Summary], None] | None = None,
    commit_every: int = COMMIT_EVERY,
    wait: float = writing.LOCK_TIMEOUT,
) -> Summary:
    """Index every article under `paths` into the index at `index`, creating it if needed.

    `progress` is called with the summary after each record; its `committed` count moves
    at each commit.
    """
    started = time.monotonic()
    if rebuild or not store.exists(index):
        writing.create_index(index, wait)
    with writing.writer(index, wait) as writer, write_queue.WriteQueue(index) as queue:
        # The write API's queued operations go first: they were acknowledged before this run.
        write_queue.drain_with(queue, writer)
        run = Run(writer, queue, commit_every, progress)
        context = multiprocessing.get_context("fork")
        with context.Pool(workers or os.cpu_count(), _init_worker, (run.known, sector)) as pool:
            outcomes = _InOrder(pool, run)
            for unit in read_paths(paths, format):
                if isinstance(unit, Problem):
                    outcomes.settled(unit.error)
                    continue
                unit.digest = source_digest(unit.payload, sector)
                if unit.digest in run.known_sources:
                    outcomes.settled(Status.UNCHANGED)
                else:
                    outcomes.work(unit)
            outcomes.finish()
        run.finish()
    # What the write API queued during the last commit: none waits for the next write.
    write_queue.drain_index(index)
    run.summary.seconds = time.monotonic() - started
    return run.summary


def source_digest(payload: bytes, sector: str | None) -> str:
    """A digest of a unit's raw bytes and the options that shape its article."""
    key = (sector or "").encode()
    return hashlib.blake2b(payload, digest_size=16, key=key[:64]).hexdigest()


class _InOrder:
    """Units to the workers in chunks, and every outcome to the run in the order read."""

    def __init__(self, pool, run: Run):
        self.pool, self.run = pool, run
        # Chunks at the workers (AsyncResult) and outcomes settled meanwhile (lists).
        self.pending: collections.deque = collections.deque()
        self.chunk: list[Unit] = []

    def work(self, unit: Unit) -> None:
        """A unit for the workers."""
        self.chunk.append(unit)
        if len(self.chunk) == _CHUNKSIZE:
            self._send()

    def settled(self, outcome: UnitOutcome) -> None:
        """An outcome known without a worker: handled after those read before it."""
        self._send()
        if not self.pending:
            self.run.handle(outcome)
        elif isinstance(self.pending[-1], list):
            self.pending[-1].append(outcome)
        else:
            self.pending.append([outcome])

    def finish(self) -> None:
        """Wait for every outcome and hand it to the run."""
        self._send()
        while self.pending:
            self._handle_first()

    def _send(self) -> None:
        if not self.chunk:
            return
        self.pending.append(self.pool.apply_async(_work_chunk, (self.chunk,)))
        self.chunk = []
        # Bound the work in flight, so memory stays flat on any input size.
        while len(self.pending) > _MAX_PENDING_CHUNKS:
            self._handle_first()

    def _handle_first(self) -> None:
        first = self.pending.popleft()
        self.run.handle_all(first if isinstance(first, list) else first.get())


def delete(ids: Iterable[str], index: Path, wait: float = writing.LOCK_TIMEOUT) -> list[str]:
    """Delete articles by id; returns the ids that were not in the index."""
    missing = []
    with writing.writer(index, wait) as writer, write_queue.WriteQueue(index) as queue:
        write_queue.drain_with(queue, writer)
        for article_id in ids:
            if not writer.delete(article_id):
                missing.append(article_id)
    return missing
