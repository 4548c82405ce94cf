"""What writing articles did: each article's `Status`, and the `Summary` of an ingest.

The ingest counts its records by status (a bad record is skipped), the write queue records a
status for each operation, and the write API reports one for each position of a request.
"""

import dataclasses
import enum

from ..errors import BadRecord

# A file of garbage can hold millions of bad lines: the first ones are listed, the rest
# only counted, so the summary stays small.
MAX_PROBLEMS_LISTED = 1_000


class Status(enum.StrEnum):
    """What happened to one article written to the index."""

    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"  # its content hash is the one the index holds
    DELETED = "deleted"
    NOT_FOUND = "not_found"  # a deletion of an id the index does not hold
    REJECTED = "rejected"  # a record that failed validation (the write API's positions)
    QUEUED = "queued"  # still in the write queue when its request stopped waiting
    # Queued by a version of the service with another index schema (its fields do not fit
    # the index): dropped, not applied, and reported as rejected.
    DROPPED = "dropped"


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
