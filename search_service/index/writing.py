"""Writing the index: creating it, its one writer, and the merges at its commits.

Writing goes through `writer()`, which holds Whoosh's lock (an `flock`, released by the
kernel if the process dies) and commits atomically: Whoosh writes the new segment files
first and then renames the table of contents into place, so a process killed at any moment
leaves the index at its last finished commit. A write the folder refuses (disk full,
read-only) drops the uncommitted work and its files and releases the lock before it is
reported (`store.unwritable`), so that the index keeps its last commit and the space it had.

Whoosh merges segments at commits; every writer here merges small segments, and the smallest
ones once there are MAX_SEGMENTS, never the corpus at once (`merge_segments`), so that no
commit turns into a merge of minutes: the write API commits a few articles at a time while
requests wait, and the CLI's ingest commits in batches of thousands (its `COMMIT_EVERY`).
A bulk import leaves a segment a batch, which `optimize` merges into one.

Each writer reads the field lengths of the segment it writes once per field
(`_lengths_in_memory`): a patch of that writer object only, not of Whoosh.
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
from whoosh.util.filelock import LockBase
from whoosh.writing import NO_MERGE, OPTIMIZE

from ..errors import IndexBusy
from .codec import Codec
from .columns import column_values, field_lengths
from .schema import SCHEMA_VERSION, build_schema
from .store import (
    INDEX_NAME,
    LOCK_FILE,
    METADATA_FILE,
    UNFINISHED_TOC_FILE,
    open_index,
    release_files,
    unwritable,
)

# Whoosh's in-memory posting pool per writer (its own estimate of the postings' size). The
# ingest commits when it is FULL_SHARE full (`Writer.full`), before Whoosh would spill it to
# temporary files, pickled and merged back one posting at a time (with this rule at 512 MB,
# bench/index_speed.py runs at 95% of its limit on the whole vntc; CHANGELOG.md).
WRITER_MEMORY_MB = 512
FULL_SHARE = 0.9
# How long a writer waits for another to finish before giving up, in seconds.
LOCK_TIMEOUT = 30.0
# The merges at commits: MERGE_FACTOR segments of one size class (sizes within a factor of
# 4) become one, of MERGE_MAX_DOCS articles at most. Each article is merged at most four
# times (1-3, 4-15, 16-63, 64-255 articles), and segments stay few: one per few hundred
# writes of the write API beyond the small ones, one per batch of a bulk ingest. Whoosh
# merges 300 articles a second here (4 x 255 sample articles: 3.0 s), so once in a few
# hundred writes, a write waits for three seconds.
MERGE_FACTOR = 4
MERGE_MAX_DOCS = 1024
# At most this many segments (a search looks every term up in each): beyond it, a commit
# merges the smallest. A whole-corpus ingest of vntc leaves 21, unmerged.
MAX_SEGMENTS = 24


def create_index(path: Path, timeout: float = LOCK_TIMEOUT):
    """Create an empty index at `path`, replacing whatever index was there."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        storage = FileStorage(str(path))
        # Hold the writers' lock while the old table of contents is replaced, so that no
        # writer commits into the index being thrown away.
        lock = storage.lock(LOCK_FILE)
        _wait_for(lambda: lock.acquire(blocking=False) or _raise(LockError()), path, timeout)
        try:
            ix = whoosh_index.create_in(str(path), build_schema())
            temporary = path / (METADATA_FILE + ".tmp")
            temporary.write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
            os.replace(temporary, path / METADATA_FILE)
        finally:
            lock.release()
    except OSError as error:
        raise unwritable(path, error) from None
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


def merge_segments(writer, segments: list) -> list:
    """Every writer's Whoosh merge policy: merges small segments, and bounds how many there
    are, without ever merging the corpus at once.

    Merges into the segment being written the segments of `to_merge`. Returns the segments
    it keeps.
    """
    merged = to_merge(segments)
    if not merged:
        return segments
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in merged]


def to_merge(segments: list) -> list:
    """The segments the next merge takes: those of the smallest size class (see
    MERGE_FACTOR) that has MERGE_FACTOR of them; else, when the index has MAX_SEGMENTS, its
    MERGE_FACTOR smallest segments (ingests of a few hundred articles a day each leave one)."""
    by_size = sorted(segments, key=lambda s: s.doc_count_all())
    classes: dict[int, list] = {}
    for segment in by_size:
        size = segment.doc_count_all()
        if size * MERGE_FACTOR <= MERGE_MAX_DOCS:
            # Size classes by powers of 4: 1-3, 4-15, 16-63, 64-255 articles.
            classes.setdefault((max(size, 1).bit_length() - 1) // 2, []).append(segment)
    merged = next((m[:MERGE_FACTOR] for m in classes.values() if len(m) >= MERGE_FACTOR), None)
    if merged is None and len(segments) + 1 > MAX_SEGMENTS:
        merged = by_size[:MERGE_FACTOR]
    return merged or []


def _lengths_in_memory(writer) -> None:
    """Have `writer` read the field lengths of the segment it writes once per field.

    Writing a segment's postings, Whoosh looks up the length of the document's field for
    every posting (for its block statistics), each a seek and a read in the lengths column
    it has just written: a fifth of a commit's time (5.2 million lookups for 12,000 vntc
    articles)."""
    per_document_reader = writer.per_document_reader
    writer.per_document_reader = lambda: _FieldLengths(per_document_reader())


class _FieldLengths:
    """A segment's per-document reader, whose field lengths are read whole per field."""

    def __init__(self, reader):
        self._reader = reader
        self._lengths: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            count = self._reader.doc_count_all()
            lengths = self._lengths[fieldname] = field_lengths(
                self._reader, fieldname, count
            ).tolist()
        return lengths[docnum] or default

    def __getattr__(self, name):
        return getattr(self._reader, name)


class Writer:
    """The index's one writer: adds, replaces and deletes articles, commits in batches.

    It holds the writers' lock from one commit to the next (another writer may take it in
    between) and gives Whoosh's writer none of its own, so that the lock is released
    whatever state a failed write leaves that writer in.
    """

    def __init__(self, path: Path, timeout: float):
        self.path, self.timeout = path, timeout
        self._index = open_index(path)
        self._lock: LockBase | None = None
        self._writer = self._acquire()
        self._changed = False

    def _acquire(self):
        lock = self._index.storage.lock(LOCK_FILE)
        try:
            _wait_for(lambda: lock.acquire() or _raise(LockError()), self.path, self.timeout)
        except OSError as error:
            raise unwritable(self.path, error) from None
        try:
            # Holding the lock, clear what a killed or failed writer left behind: on a full
            # disk its segment files hold the space this writer needs.
            self._clear_leftovers()
            writer = self._index.writer(limitmb=WRITER_MEMORY_MB, _lk=False, codec=Codec())
            _lengths_in_memory(writer)
        except BaseException as error:
            lock.release()
            if isinstance(error, OSError):
                release_files(error)
                raise unwritable(self.path, error) from None
            raise
        self._lock = lock
        return writer

    def _clear_leftovers(self) -> None:
        """Delete the files no commit refers to: segments of a writer that never committed,
        older tables of contents and unfinished ones. Only the lock holder may."""
        storage = self._index.storage
        toc = whoosh_index.TOC.read(storage, INDEX_NAME)
        whoosh_index.clean_files(storage, INDEX_NAME, toc.generation, toc.segments)
        for name in storage.list():
            if UNFINISHED_TOC_FILE.match(name):
                with contextlib.suppress(OSError):
                    storage.delete_file(name)

    @contextlib.contextmanager
    def _writing(self):
        """Turn a write the folder refuses into IndexUnwritable, dropping the batch."""
        try:
            yield
        except OSError as error:
            self.cancel()
            release_files(error)
            raise unwritable(self.path, error) from None

    def update(self, fields: dict) -> None:
        """Add a document, replacing any with the same id."""
        with self._writing():
            self._writer.update_document(**fields)
        self._changed = True

    def add(self, fields: dict) -> None:
        """Add a document whose id the index does not hold (the caller knows): no lookup
        of the id in every segment, as a replacement needs."""
        with self._writing():
            self._writer.add_document(**fields)
        self._changed = True

    def delete(self, article_id: str) -> bool:
        """Delete an article by id; whether it existed."""
        with self._writing():
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

    def full(self) -> bool:
        """Whether the postings written since the last commit nearly fill the writer's memory
        (WRITER_MEMORY_MB): the next articles would make Whoosh spill them to disk, to be
        merged back one posting at a time at the commit, which then costs twice as much.
        Commit instead."""
        pool = self._writer.pool
        return bool(pool.runs) or pool.currentsize >= FULL_SHARE * pool.limit

    def segment_count(self) -> int:
        """How many segments the index has (as this writer found it)."""
        return len(self._writer.segments)

    def merge_due(self) -> bool:
        """Whether a commit would merge segments (see `to_merge`)."""
        return bool(to_merge(self._writer.segments))

    def commit(
        self, reopen: bool = True, optimize: bool = False, merge: bool = True, *, force=False
    ) -> None:
        """Make everything written so far durable and visible; keep writing if `reopen`.
        With `optimize`, merge every segment into one as well; without `merge`, merge
        nothing (the writer process commits the write API's articles so, and merges on its
        own commit, `force`d with nothing written)."""
        if self._changed or optimize or force:
            policy = OPTIMIZE if optimize else merge_segments if merge else NO_MERGE
            with self._writing():
                self._writer.commit(mergetype=policy)
            self._release_lock()
        else:
            # Nothing written: no new generation, so that readers keep their caches.
            self.cancel()
        self._changed = False
        if reopen:
            self._writer = self._acquire()

    def cancel(self) -> None:
        """Drop everything written since the last commit, with its files; release the lock."""
        if self._lock is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.cancel()
        except Exception:
            # On a full disk, closing the new segment's files flushes them and fails
            # again; the files go below all the same.
            with contextlib.suppress(OSError):
                writer.temp_storage().destroy()
        with contextlib.suppress(Exception):
            self._clear_leftovers()
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def optimize(path: Path, timeout: float = LOCK_TIMEOUT) -> int:
    """Merge every segment of the index into one; how many there were.

    A whole-corpus ingest leaves a segment every few thousand articles, and a search looks
    every term up in each: on the 68,486 vntc articles, 16 segments merged into one made
    searches 1.7 times faster (27.1 -> 15.9 ms on average), at the cost of one merge of the
    whole index (6.7 minutes there), during which other writers wait.
    """
    w = Writer(path, timeout)
    try:
        segments = w.segment_count()
        w.commit(reopen=False, optimize=True)
    except BaseException:
        w.cancel()
        raise
    return segments


@contextlib.contextmanager
def writer(path: Path, timeout: float = LOCK_TIMEOUT, merge: bool = True):
    """Hold the index's writer: waits up to `timeout` seconds for the lock, then fails
    (IndexBusy; at once with a timeout of 0).

    Commits when the block ends normally (merging small segments unless not `merge`),
    cancels (leaving the index untouched) otherwise.
    """
    w = Writer(path, timeout)
    try:
        yield w
    except BaseException:
        w.cancel()
        raise
    w.commit(reopen=False, merge=merge)


def merge_small(path: Path, timeout: float = 0) -> bool:
    """Merge the segments a commit would merge (see `to_merge`), in a commit of their own;
    whether there were any. The writer process does this between its commits, so that a
    write's commit never waits for a merge."""
    w = Writer(path, timeout)
    try:
        due = w.merge_due()
        w.commit(reopen=False, force=due)
    except BaseException:
        w.cancel()
        raise
    return due
