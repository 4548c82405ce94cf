"""The index on disk: where it lives, opening it, and its one writer.

An index is a folder holding a Whoosh index and `service.json`, which records the schema
version that built it. Readers open it lazily and see each new commit on their next
searcher. Writing goes through `writer()`, which holds Whoosh's lock (an `flock`, released
by the kernel if the process dies) and commits atomically: Whoosh writes the new segment
files first and then renames the table of contents into place, so a process killed at any
moment leaves the index at its last finished commit.

Whoosh merges segments at commits. The CLI's ingest commits every thousand articles and may
merge large segments; the write API commits a few articles at a time, while requests wait,
so its commits merge small segments only (`merge_small_segments`).
"""

import contextlib
import json
import os
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.reading import SegmentReader

from .errors import IndexBusy, IndexMissing, SchemaMismatch, SearchServiceError
from .schema import SCHEMA_VERSION, build_schema

ENV_INDEX = "SEARCH_SERVICE_INDEX"
DEFAULT_INDEX = Path("indexes") / "default"
METADATA_FILE = "service.json"
# Whoosh's in-memory posting pool per writer; larger means fewer temporary runs to merge.
WRITER_MEMORY_MB = 256
# How long a writer waits for another to finish before giving up, in seconds.
LOCK_TIMEOUT = 30.0
# Attempts to open an index whose files a commit replaces meanwhile.
_OPEN_ATTEMPTS = 5
# The write API's merges: MERGE_FACTOR segments of one size class (sizes within a factor of
# 4) become one, of MERGE_MAX_DOCS articles at most. Each article is merged at most four
# times (1-3, 4-15, 16-63, 64-255 articles), and segments stay few: one per few hundred
# writes beyond the small ones. Whoosh merges 300 articles a second here (4 x 255 sample
# articles: 3.0 s), so once in a few hundred writes, a write waits for three seconds.
MERGE_FACTOR = 4
MERGE_MAX_DOCS = 1024


def index_path(path: str | os.PathLike | None = None) -> Path:
    """The index folder: the given path, else $SEARCH_SERVICE_INDEX, else indexes/default."""
    return Path(path or os.environ.get(ENV_INDEX) or DEFAULT_INDEX)


def exists(path: Path) -> bool:
    """Whether `path` holds an index of this service (of any schema version)."""
    return (path / METADATA_FILE).is_file()


def check_version(path: Path) -> None:
    """Raise unless `path` holds an index of this schema version."""
    try:
        version = json.loads((path / METADATA_FILE).read_text())["schema_version"]
    except FileNotFoundError:
        raise IndexMissing(
            f"no index at {path}: create it with `search-service index PATH --index {path}`"
        ) from None
    except (ValueError, KeyError, TypeError, OSError):
        raise SchemaMismatch(
            f"the index at {path} has an unreadable {METADATA_FILE}: rebuild it with "
            f"`search-service index --rebuild PATH --index {path}`"
        ) from None
    if version != SCHEMA_VERSION:
        raise SchemaMismatch(
            f"the index at {path} was built with schema version {version}, this version "
            f"reads {SCHEMA_VERSION}: rebuild it with "
            f"`search-service index --rebuild PATH --index {path}`"
        )


def open_index(path: Path):
    """Open an existing index for reading, checking its schema version."""
    check_version(path)
    return _opened(path, lambda: whoosh_index.open_dir(str(path)))


def open_searcher(path: Path):
    """A searcher of the latest commit of the index at `path`."""
    check_version(path)
    return _opened(path, lambda: whoosh_index.open_dir(str(path)).searcher())


def _opened(path: Path, open_):
    for _ in range(_OPEN_ATTEMPTS):
        try:
            return open_()
        except FileNotFoundError as error:
            # A commit deletes the files of the one before (its table of contents, the
            # segments it merged) without the readers' knowing: a reader that listed them
            # just before finds them gone, and the next listing finds the new commit.
            problem = error
        except (whoosh_index.EmptyIndexError, OSError, EOFError, ValueError) as error:
            problem = error
            break
    raise IndexMissing(f"the index at {path} cannot be opened ({problem}): rebuild it") from None


def create_index(path: Path, timeout: float = LOCK_TIMEOUT):
    """Create an empty index at `path`, replacing whatever index was there."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        storage = FileStorage(str(path))
        # Hold the writers' lock while the old table of contents is replaced, so that no
        # writer commits into the index being thrown away.
        lock = storage.lock(f"{whoosh_index._DEF_INDEX_NAME}_WRITELOCK")
        _wait_for(lambda: lock.acquire(blocking=False) or _raise(LockError()), path, timeout)
        try:
            ix = whoosh_index.create_in(str(path), build_schema())
            temporary = path / (METADATA_FILE + ".tmp")
            temporary.write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
            os.replace(temporary, path / METADATA_FILE)
        finally:
            lock.release()
    except OSError as error:
        raise SearchServiceError(f"cannot write the index at {path}: {error}") from None
    return ix


def _raise(error: Exception):
    raise error


def _wait_for(acquire, path: Path, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return acquire()
        except LockError:
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"another process is writing the index at {path} and did not finish "
                    f"within {timeout:g} s; try again when it is done"
                ) from None
            time.sleep(0.1)


def column_values(reader, field: str, default=None, translate: bool = True) -> list:
    """The value of a column field for every document number of `reader`.

    Read segment by segment: Whoosh's multi-segment column reader skips segments that lack
    the column (none of their documents had the field) and then misplaces the others.
    """
    if reader.doc_count_all() == 0:
        return []
    values: list = []
    for leaf, _offset in reader.leaf_readers():
        if leaf.has_column(field):
            column = leaf.column_reader(field, translate=translate)
            values.extend(column[n] for n in range(leaf.doc_count_all()))
        else:
            values.extend([default] * leaf.doc_count_all())
    return values


def merge_small_segments(writer, segments: list) -> list:
    """A Whoosh merge policy that leaves large segments alone (see MERGE_FACTOR).

    Merges the segments of the smallest size class that has MERGE_FACTOR of them into the
    segment being written, and returns the segments it keeps.
    """
    classes: dict[int, list] = {}
    for segment in sorted(segments, key=lambda s: s.doc_count_all()):
        size = segment.doc_count_all()
        if size * MERGE_FACTOR <= MERGE_MAX_DOCS:
            # Size classes by powers of 4: 1-3, 4-15, 16-63, 64-255 articles.
            classes.setdefault((max(size, 1).bit_length() - 1) // 2, []).append(segment)
    for members in classes.values():
        if len(members) >= MERGE_FACTOR:
            merged = members[:MERGE_FACTOR]
            for segment in merged:
                reader = SegmentReader(writer.storage, writer.schema, segment)
                writer.add_reader(reader)
                reader.close()
            return [s for s in segments if s not in merged]
    return segments


class Writer:
    """The index's one writer: adds, replaces and deletes articles, commits in batches.

    `mergetype` is the Whoosh merge policy of its commits (None: Whoosh's default).
    """

    def __init__(self, path: Path, timeout: float, mergetype=None):
        self.path, self.timeout, self.mergetype = path, timeout, mergetype
        self._index = open_index(path)
        self._writer = self._acquire()
        self._changed = False

    def _acquire(self):
        return _wait_for(
            lambda: self._index.writer(limitmb=WRITER_MEMORY_MB), self.path, self.timeout
        )

    def update(self, fields: dict) -> None:
        """Add a document, replacing any with the same id."""
        self._writer.update_document(**fields)
        self._changed = True

    def delete(self, article_id: str) -> bool:
        """Delete an article by id; whether it existed."""
        deleted = self._writer.delete_by_term("id", article_id) > 0
        self._changed |= deleted
        return deleted

    def content_hash(self, article_id: str) -> str | None:
        """The content hash of the committed article `article_id`; None if there is none."""
        searcher = self._writer.searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            return None
        for leaf, offset in searcher.reader().leaf_readers():
            if docnum < offset + leaf.doc_count_all():
                return leaf.column_reader("content_hash")[docnum - offset]
        return None

    def content_hashes(self) -> tuple[dict[str, str], set[str]]:
        """The content hash of every article committed so far by id, and their source hashes."""
        with self._writer.searcher() as searcher:
            reader = searcher.reader()
            if reader.doc_count_all() == 0:
                return {}, set()
            ids = column_values(reader, "id")
            hashes = column_values(reader, "content_hash")
            sources = column_values(reader, "source_hash")
            live = list(reader.all_doc_ids())
            return {ids[n]: hashes[n] for n in live}, {sources[n] for n in live}

    def commit(self, reopen: bool = True) -> None:
        """Make everything written so far durable and visible; keep writing if `reopen`."""
        if self._changed:
            self._writer.commit(mergetype=self.mergetype)
        else:
            # Nothing written: no new generation, so that readers keep their caches.
            self._writer.cancel()
        self._changed = False
        if reopen:
            self._writer = self._acquire()

    def cancel(self) -> None:
        """Drop everything written since the last commit, and release the lock, even after
        a commit that failed half-way (a full disk), which leaves Whoosh's writer open."""
        lock = self._writer.writelock
        try:
            if not self._writer.is_closed:
                self._writer.cancel()
        finally:
            if lock is not None and lock.fd is not None:
                lock.release()


@contextlib.contextmanager
def writer(path: Path, timeout: float = LOCK_TIMEOUT, mergetype=None):
    """Hold the index's writer: waits up to `timeout` seconds for the lock, then fails
    (IndexBusy; at once with a timeout of 0).

    Commits when the block ends normally, cancels (leaving the index untouched) otherwise.
    """
    w = Writer(path, timeout, mergetype)
    try:
        yield w
        w.commit(reopen=False)
    except BaseException:
        w.cancel()
        raise
