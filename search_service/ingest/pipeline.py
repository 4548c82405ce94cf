"""Ingest: source files in, index out.

    reader (this process)  ->  workers: parse, validate, segment, analyze  ->  one writer

The main process reads the files into units of raw bytes (cheap) and is the index's only
writer. Worker processes (one a core) do everything expensive: JSON decoding and page
parsing, validation and normalization, pyvi segmentation, topic derivation and the analysis
itself (`analysis.document_terms`), and hand back finished postings. An article whose
content hash matches the one already indexed under its id is reported unchanged and costs no
segmentation; a unit whose raw bytes are those of an indexed article is not even sent to a
worker.

The writer commits in batches (`COMMIT_EVERY` articles at first, growing with the run, at
least every `COMMIT_SECONDS` and before its postings outgrow its memory), so that a run
killed at any moment loses at most the batch in progress; re-running the same ingest skips
what is already in and completes the rest. Outcomes reach the writer in the order their
records were read (a record settled without a worker, unchanged or unreadable, waits for the
chunks before it), so each commit holds the first N records read, and `Summary.committed`
says N: what a caller may take as acknowledged. While it holds the writer, it also applies
what the write API queued (`write_queue`): first, at each commit, and after its last one.
"""

import collections
import dataclasses
import datetime
import functools
import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import BadRecord
from ..index import store, writing
from ..index.analysis import document_terms
from ..index.schema import build_schema
from ..sources.reader import Problem, Unit, parse_unit, read_paths
from ..text.segmentation import segment
from ..text.topics import derive_topics
from . import write_queue
from .article import Article, title_key

# The sample articles shipped with the package: the default data of a new install.
SAMPLES = Path(__file__).parents[1] / "samples"
# Small commits keep the workers busy: the writer commits while up to _MAX_PENDING_CHUNKS of
# their results wait, where one big commit at the end would leave them idle (5,000 vntc
# articles: 57% -> 73% of the speed limit of bench/index_speed.py; writer peak 477 -> 349
# MiB). But each commit is a segment, and every segment is looked up for every term of a
# search: so batches grow with the run, to a quarter of what it has written, and a
# whole-corpus ingest ends with about twenty segments. A batch also ends after
# COMMIT_SECONDS of work, and when the writer's memory is nearly full (`writing.Writer.full`),
# before Whoosh would spill its postings to disk (see `writing.WRITER_MEMORY_MB`). A killed
# run loses at most its last batch.
COMMIT_EVERY = 1_000
COMMIT_GROWTH = 0.25
# A file of garbage can hold millions of bad lines: the first ones are listed, the rest
# only counted, so the summary stays small.
MAX_PROBLEMS_LISTED = 1_000
COMMIT_SECONDS = 60.0
_CHUNKSIZE = 8
_MAX_PENDING_CHUNKS = 256


@dataclasses.dataclass
class Summary:
    """What an ingest did."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    # The first `committed` records read are durable in the index (all, once ingest returns).
    committed: int = 0

    @property
    def processed(self) -> int:
        return self.added + self.replaced + self.unchanged + self.skipped

    def skip(self, error: BadRecord) -> None:
        self.skipped += 1
        if len(self.problems) < MAX_PROBLEMS_LISTED:
            self.problems.append(error.message)

    @property
    def unlisted(self) -> int:
        """Problems counted in `skipped` but not listed in `problems`."""
        return self.skipped - len(self.problems)


@dataclasses.dataclass(frozen=True)
class Prepared:
    """An article analyzed by a worker: the writer's fields, ready to add."""

    id: str
    fields: dict


# Set in each worker by the pool initializer (fork start: inherited, not pickled).
_known_hashes: dict[str, str] = {}
_default_sector: str | None = None


@functools.cache
def _schema():
    return build_schema()


def _init_worker(known_hashes: dict[str, str], sector: str | None) -> None:
    global _known_hashes, _default_sector
    _known_hashes, _default_sector = known_hashes, sector


def prepare(article: Article, content_hash: str | None = None) -> Prepared:
    """Segment and analyze an article into the fields the writer adds."""
    schema = _schema()
    title = segment(article.title)
    body = segment(article.body)
    derived = () if article.topics else tuple(derive_topics(title, body))
    # Captions and the author are searched with the body; they are stored apart from it.
    searchable_body = "\n\n".join([body, *map(segment, article.captions), article.author or ""])
    title_syllables, title_words, title_pairs = document_terms(title)
    body_syllables, body_words, body_pairs = document_terms(searchable_body)
    fields = {
        "id": article.id,
        "title": schema["title"].postings(title_syllables),
        "_stored_title": article.title,
        "title_words": schema["title_words"].postings(title_words),
        "title_pairs": schema["title_pairs"].postings(title_pairs),
        "body": schema["body"].postings(body_syllables),
        "_stored_body": article.body,
        "body_words": schema["body_words"].postings(body_words),
        "body_pairs": schema["body_pairs"].postings(body_pairs),
        "author": schema["author"].index(article.author) if article.author else None,
        "_stored_author": article.author,
        "captions": list(article.captions) or None,
        "title_key": article.title_key,
        "sector": article.sector,
        "topics": _keywords(article.topics),
        "_stored_topics": list(article.topics),
        "derived_topics": _keywords(derived),
        "_stored_derived_topics": list(derived),
        "topic_list": list(article.topics or derived),
        "related": _keywords(article.related),
        "_stored_related": list(article.related),
        "related_title_keys": _keywords(title_key(t) for t in article.related_titles),
        "related_titles": list(article.related_titles) or None,
        "date": _naive(article.date) if article.date else None,
        "published": article.date.isoformat() if article.date else None,
        "summary": article.summary,
        "url": article.url,
        "content_hash": content_hash or article.content_hash(),
    }
    return Prepared(article.id, {k: v for k, v in fields.items() if v is not None})


def _keywords(values: Iterable[str]) -> str | None:
    # KEYWORD fields split on commas; a comma inside one value must not split it.
    joined = ",".join(v.replace(",", " ") for v in values)
    return joined or None


def _naive(value: datetime.date) -> datetime.datetime:
    # Day-precision filters compare local calendar days: keep the wall-clock time as given.
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return datetime.datetime(value.year, value.month, value.day)


def _work_chunk(units: list[Unit]) -> list[Prepared | BadRecord | str]:
    return [_work(unit) for unit in units]


def _work(unit: Unit) -> Prepared | BadRecord | str:
    """In a worker: one unit to a Prepared article, UNCHANGED, or the error."""
    try:
        article = Article.from_record(parse_unit(unit), sector=_default_sector)
        content_hash = article.content_hash()
        if _known_hashes.get(article.id) == content_hash:
            return UNCHANGED
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
        run = _Run(writer, queue, commit_every, progress)
        context = multiprocessing.get_context("fork")
        with context.Pool(workers or os.cpu_count(), _init_worker, (run.known, sector)) as pool:
            outcomes = _InOrder(pool, run)
            for unit in read_paths(paths, format):
                if isinstance(unit, Problem):
                    outcomes.settled(unit.error)
                    continue
                unit.digest = source_digest(unit.payload, sector)
                if unit.digest in run.known_sources:
                    outcomes.settled(UNCHANGED)
                else:
                    outcomes.work(unit)
            outcomes.finish()
        run.finish()
    # What the write API queued during the last commit: none waits for the next write.
    write_queue.drain_index(index)
    run.summary.seconds = time.monotonic() - started
    return run.summary


UNCHANGED = "unchanged"


def source_digest(payload: bytes, sector: str | None) -> str:
    """A digest of a unit's raw bytes and the options that shape its article."""
    key = (sector or "").encode()
    return hashlib.blake2b(payload, digest_size=16, key=key[:64]).hexdigest()


class _InOrder:
    """Units to the workers in chunks, and every outcome to the run in the order read."""

    def __init__(self, pool, run: "_Run"):
        self.pool, self.run = pool, run
        # Chunks at the workers (AsyncResult) and outcomes settled meanwhile (lists).
        self.pending: collections.deque = collections.deque()
        self.chunk: list[Unit] = []

    def work(self, unit: Unit) -> None:
        """A unit for the workers."""
        self.chunk.append(unit)
        if len(self.chunk) == _CHUNKSIZE:
            self._send()

    def settled(self, outcome: "BadRecord | str") -> None:
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


class _Run:
    """The writer's side of one ingest: adds outcomes, counts them, commits in batches."""

    def __init__(
        self,
        writer: writing.Writer,
        queue: write_queue.WriteQueue,
        commit_every: int,
        progress: Callable[[Summary], None] | None,
    ):
        self.writer, self.queue = writer, queue
        self.commit_every, self.progress = commit_every, progress
        # The write API's queued operations go first: they were acknowledged before this run.
        write_queue.drain_with(queue, writer)
        self.known, self.known_sources = writer.content_hashes()
        self.summary = Summary()
        self.batch: set[str] = set()  # the ids written since the last commit
        self.last_commit = time.monotonic()

    def handle_all(self, outcomes: list) -> None:
        for outcome in outcomes:
            self.handle(outcome)

    def handle(self, outcome: "Prepared | BadRecord | str") -> None:
        summary = self.summary
        if isinstance(outcome, BadRecord):
            summary.skip(outcome)
        elif (
            isinstance(outcome, str) or self.known.get(outcome.id) == outcome.fields["content_hash"]
        ):
            # Unchanged, as a worker says, or as only this process knows: the same article
            # earlier in this run (the workers' copy of the hashes is of the start).
            summary.unchanged += 1
        else:
            if outcome.id in self.batch:
                # Whoosh cannot replace a document added since the last commit (it would keep
                # both): commit it first.
                self._commit()
            replaced = outcome.id in self.known
            if replaced:
                self.writer.update(outcome.fields)
            else:
                self.writer.add(outcome.fields)
            self.known[outcome.id] = outcome.fields["content_hash"]
            summary.replaced += replaced
            summary.added += not replaced
            self.batch.add(outcome.id)
        if self.batch and (
            len(self.batch) >= max(self.commit_every, int(self._written() * COMMIT_GROWTH))
            or time.monotonic() - self.last_commit > COMMIT_SECONDS
            or self.writer.full()
        ):
            self._commit()
        if self.progress:
            self.progress(summary)

    def _written(self) -> int:
        """The articles this run added or replaced and committed: the batches grow with
        them, not with the unchanged ones a re-run skips."""
        return self.summary.added + self.summary.replaced - len(self.batch)

    def finish(self) -> None:
        """Commit the last batch."""
        if self.batch:
            self._commit()
        self.summary.committed = self.summary.processed

    def _commit(self) -> None:
        self.writer.commit()
        self.batch, self.last_commit = set(), time.monotonic()
        self.summary.committed = self.summary.processed
        self._apply_queued()

    def _apply_queued(self) -> None:
        """Apply what the write API queued, and know the articles it changed."""
        for article_id, content_hash in write_queue.drain_with(self.queue, self.writer).items():
            if content_hash is None:
                self.known.pop(article_id, None)
            else:
                self.known[article_id] = content_hash


def delete(ids: Iterable[str], index: Path, wait: float = writing.LOCK_TIMEOUT) -> list[str]:
    """Delete articles by id; returns the ids that were not in the index."""
    missing = []
    with writing.writer(index, wait) as writer, write_queue.WriteQueue(index) as queue:
        write_queue.drain_with(queue, writer)
        for article_id in ids:
            if not writer.delete(article_id):
                missing.append(article_id)
    return missing
