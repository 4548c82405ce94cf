"""Publishing from the site: the write API's articles and deletions, applied by one writer.

    records --Article.from_record--> Article --> Operation                 (this process)
            --write_queue.submit--> queued (durable); the writer process analyzes and
                                    applies it with every other pending operation in one
                                    commit; results read back when the caller waits
            --> Report: one Outcome per position

Records are validated exactly as the CLI's ingest validates a line of JSON Lines, with the
same messages; a bad record is rejected by its position and the others go on. Analysis
(pyvi segmentation) runs in the writer process, so that a write costs the process that
answers it only the checks.
"""

import dataclasses
from typing import TYPE_CHECKING

from ..errors import BadRecord
from . import write_queue
from .article import Article, checked_id
from .outcomes import Status
from .write_queue import Operation, WriteQueue

if TYPE_CHECKING:
    # Only `delete` reads the index, through the web's open catalog: no import of the
    # query side at run time.
    from ..search.catalog import Catalog

# What happened to the article at each position of a write (a dropped operation is reported
# as rejected).
STATUSES = tuple(status for status in Status if status is not Status.DROPPED)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The result of one position of a write; `error` says why it was rejected."""

    position: int
    id: str | None
    status: str
    error: BadRecord | None = None


@dataclasses.dataclass(frozen=True)
class Report:
    """The outcome of every position of a write, in order."""

    outcomes: list[Outcome]

    @property
    def queued(self) -> bool:
        """Whether operations are still queued (applied by a later drain)."""
        return any(o.status == Status.QUEUED for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        """How many positions ended in each status."""
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts


def publish(queue: WriteQueue, records: list, wait: float) -> Report:
    """Add or replace the articles of `records` (JSON Lines records) in the queue's index."""
    rejected: list[Outcome] = []
    accepted: list[tuple[int, Operation]] = []
    for position, record in enumerate(records):
        try:
            article = Article.from_record(record)
        except BadRecord as error:
            rejected.append(Outcome(position, _given_id(record), Status.REJECTED, error))
            continue
        accepted.append((position, Operation(article.id, article.content_hash(), article)))
    return _submit(queue, accepted, rejected, wait)


def delete(queue: WriteQueue, catalog: "Catalog", article_id: str, wait: float) -> Report:
    """Delete an article by id (checked and normalized as a record's id); `not_found`, and
    nothing queued, when the index holds no such article and none is queued."""
    operation = Operation.delete(checked_id(article_id))
    searcher = catalog.current().searcher
    if searcher.document_number(id=operation.article_id) is None and not queue.queued(
        operation.article_id
    ):
        return Report([Outcome(0, operation.article_id, Status.NOT_FOUND)])
    return _submit(queue, [(0, operation)], [], wait)


def _submit(
    queue: WriteQueue,
    accepted: list[tuple[int, Operation]],
    rejected: list[Outcome],
    wait: float,
) -> Report:
    results = None
    if accepted:
        results = write_queue.submit(queue, [op for _, op in accepted], wait)
    statuses = results or [Status.QUEUED] * len(accepted)
    outcomes = rejected + [
        Outcome(position, op.article_id, status)
        for (position, op), status in zip(accepted, statuses, strict=True)
    ]
    outcomes = [_dropped(o) if o.status == Status.DROPPED else o for o in outcomes]
    return Report(sorted(outcomes, key=lambda o: o.position))


def _dropped(outcome: Outcome) -> Outcome:
    error = BadRecord(
        "queued by a version of the service with another index schema: publish it again"
    )
    return dataclasses.replace(outcome, status=Status.REJECTED, error=error)


def _given_id(record: object) -> str | None:
    """The id a rejected record gave, to name it in the report."""
    given = record.get("id") if isinstance(record, dict) else None
    return str(given) if isinstance(given, (str, int)) and not isinstance(given, bool) else None
