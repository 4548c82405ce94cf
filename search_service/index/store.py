"""The index folder: where it is, whether it holds an index, opening it, checking its
version, and its faults said as the service's errors.

An index is a folder holding a Whoosh index and `service.json`, which records the schema
version that built it. Readers open it lazily and see each new commit on their next
searcher; writing is `writing`'s.

Faults are reported as the service's errors, never as Whoosh's or the OS's: an index that
cannot be read is `IndexDamaged` (rebuild it), a write the folder refuses (disk full,
read-only) is `IndexUnwritable` (see `writing` for what is dropped first).

Opening an index has Whoosh read segment files where they are mapped, for the whole process
(`mapped_files.install`).
"""

import errno
import gc
import json
import os
import re
import traceback
import warnings
from pathlib import Path

from whoosh import index as whoosh_index

from ..errors import IndexDamaged, IndexMissing, IndexUnwritable, SchemaMismatch
from . import mapped_files
from .schema import SCHEMA_VERSION

ENV_INDEX = "SEARCH_SERVICE_INDEX"
DEFAULT_INDEX = Path("indexes") / "default"
METADATA_FILE = "service.json"
# Whoosh's names in the folder: the index, its writers' lock, and the tables of contents
# (`_MAIN_7.toc`), which Whoosh writes as `_MAIN_7.toc.<time>` first and then renames.
INDEX_NAME = whoosh_index._DEF_INDEX_NAME
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"
TOC_FILE = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc$")
UNFINISHED_TOC_FILE = re.compile(rf"^_{INDEX_NAME}_\d+\.toc\..")
# Attempts to open an index whose files a commit replaces meanwhile.
_OPEN_ATTEMPTS = 5


def index_path(path: str | os.PathLike | None = None) -> Path:
    """The index folder: the given path, else $SEARCH_SERVICE_INDEX, else indexes/default."""
    return Path(path or os.environ.get(ENV_INDEX) or DEFAULT_INDEX)


def exists(path: Path) -> bool:
    """Whether `path` holds an index of this service (of any schema version, or damaged),
    where creating a new one could lose articles.

    A table of contents of generation 0 without `service.json` is an index whose creation
    was cut short (Whoosh writes that empty generation first): it holds nothing.
    """
    return (path / METADATA_FILE).is_file() or latest_generation(path) > 0


def latest_generation(path: Path) -> int:
    """The number of the newest table of contents in `path` (-1 if none), as Whoosh finds it."""
    try:
        names = os.listdir(path)
    except OSError:
        return -1
    return max((int(m[1]) for m in map(TOC_FILE.match, names) if m), default=-1)


def _rebuild_it(path: Path) -> str:
    return f"rebuild it with `search-service index --rebuild PATH --index {path}`"


def check_version(path: Path) -> None:
    """Raise unless `path` holds an index of this schema version."""
    try:
        version = json.loads((path / METADATA_FILE).read_text())["schema_version"]
    except FileNotFoundError:
        if exists(path):
            raise IndexDamaged(
                f"the index at {path} has lost its {METADATA_FILE}: {_rebuild_it(path)}"
            ) from None
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
    """A Whoosh searcher on the latest commit of the index at `path`."""
    check_version(path)
    # On an OSError Whoosh opens the segments again (a commit may have deleted a file in
    # between), ten times, and drops the file of each failed try unclosed: the warnings of
    # their collection are expected here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return _opened(path, lambda: whoosh_index.open_dir(str(path)).searcher())


def _opened(path: Path, open_):
    mapped_files.install()
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return open_()
        except FileNotFoundError as error:
            # A commit deletes the files of the one before (its table of contents, the
            # segments it merged) without the readers' knowing: a reader that listed them
            # just before finds them gone, and the next listing finds the new commit.
            if attempt + 1 < _OPEN_ATTEMPTS:
                continue
            release_files(error)
            raise damaged(path, error) from None
        except Exception as error:
            release_files(error)
            raise damaged(path, error) from None
    raise AssertionError("unreachable")


def damaged(path: Path, error: Exception) -> IndexDamaged:
    """The error for an index that failed while being opened or read.

    Whoosh reports a missing, truncated or garbled file with whatever its parser hit
    (FileNotFoundError, EOFError, struct.error, UnpicklingError, a bare Exception), so any
    exception there means damage.
    """
    return IndexDamaged(
        f"the index at {path} is damaged ({type(error).__name__}: {error}): {_rebuild_it(path)}"
    )


# What to do when the index folder refuses a write, by errno (None when an OSError has none).
_REMEDIES: dict[int | None, str] = {
    errno.ENOSPC: "free space on its disk",
    errno.EDQUOT: "raise the disk quota",
    errno.EFBIG: "raise the file size limit of the indexing process (ulimit -f)",
    errno.EROFS: "mount its disk writable",
    errno.EACCES: "make the folder writable for this user",
    errno.EPERM: "make the folder writable (see also `lsattr -d` for the immutable attribute)",
}


def unwritable(path: Path, error: OSError) -> IndexUnwritable:
    """The error for a write that the index folder refused."""
    remedy = _REMEDIES.get(error.errno, "check the folder and its disk")
    return IndexUnwritable(
        f"cannot write the index at {path}: {error.strerror or error}; it keeps its last "
        f"commit and still serves searches: {remedy}, then index again"
    )


def release_files(error: Exception) -> None:
    """Close the files Whoosh left open on its way out of a failure, and drop `error`'s
    traceback (it is reported as the service's own error, without it).

    Whoosh does not close what it opened when opening or writing fails (a table of
    contents or segment file it cannot parse; while committing, readers of the new
    segment's lengths and of segments being merged). They stay referenced from the
    traceback, holding descriptors, and on a full disk the space of deleted segment files,
    until the error is collected. Dropping it and collecting closes them now, quietly:
    Python warns of files closed by collection, which is what is wanted here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        traceback.clear_frames(error.__traceback__)
        error.__traceback__ = None
        gc.collect()
