"""The writer's side of an ingest: each outcome added in the order read, and commits in
batches that grow with the run.

Small commits keep the workers busy: the writer commits while their results wait (up to
256 chunks in flight, see `pipeline`), where one big commit at the end would leave them
idle, and the writer holds less in memory (figures in CHANGELOG.md). But each commit is a
segment, and every segment is looked up for every term of a search: so batches grow with
the run, to a quarter of what it has written (`COMMIT_GROWTH`), and a whole-corpus ingest
ends with about twenty segments. A batch also ends after COMMIT_SECONDS of work, and when
the writer's memory is nearly full (`writing.Writer.full`), before Whoosh would spill its
postings to disk (see `writing.WRITER_MEMORY_MB`). A killed run loses at most its last batch.

At each commit the run applies what the write API queued meanwhile (`write_queue`), and
keeps the content hashes it knows up to date with it.
"""

import time
from collections.abc import Callable
from typing import Literal, TypeAlias

from ..errors import BadRecord
from ..index import writing
from . import write_queue
from .fields import Prepared
from .outcomes import Status, Summary

# What a worker makes of one unit: its article's fields, UNCHANGED, or why it was skipped.
UnitOutcome: TypeAlias = Prepared | BadRecord | Literal[Status.UNCHANGED]

COMMIT_EVERY = 1_000
COMMIT_GROWTH = 0.25
COMMIT_SECONDS = 60.0


class Run:
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
        self.known, self.known_sources = writer.content_hashes()
        self.summary = Summary()
        self.batch: set[str] = set()  # the ids written since the last commit
        self.last_commit = time.monotonic()

    def handle_all(self, outcomes: list[UnitOutcome]) -> None:
        for outcome in outcomes:
            self.handle(outcome)

    def handle(self, outcome: UnitOutcome) -> None:
        summary = self.summary
        if isinstance(outcome, BadRecord):
            summary.skip(outcome)
        elif (
            outcome == Status.UNCHANGED
            or self.known.get(outcome.id) == outcome.fields["content_hash"]
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
