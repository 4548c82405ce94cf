"""The article class at the import path where the write queue of a service older than the
package layout (issue 14) has it pickled (`writes.sqlite3` in the index folder holds each
queued `Article`, pickled by import path). Its home is `ingest.article`; once the queue of
every index has been drained by this version, nothing names this path."""

from .ingest.article import Article

__all__ = ["Article"]
