"""Whether the index on disk is still the generation a reader opened, file for file.

    open: searcher -> Snapshot (inode, size, mtime of each file it reads)
    each use: Snapshot.unchanged()?  no -> open again (a new commit, or the damage reported)
    open failed: folder_files() then -> no new try until they change

A reader serves the commit it opened until a new one lands. Whoosh tells a new commit by the
number of the newest table of contents only, which misses a rebuild that reaches the number
of the old index, and misses any damage under an open reader: a segment file deleted (the
reader still reads it through its open handle) or truncated (its memory map then faults), a
table of contents rewritten, `service.json` lost. Such a reader kept serving while a worker
started after the damage failed. A snapshot records every file the generation reads, and
checks them before each use: one folder listing (which Whoosh did anyway) and a `stat` per
file, a few microseconds. Any difference sends the reader back to opening, which either
finds the new commit or reports the damage; segment files never change once written, so
only a new commit or damage can differ.
"""

import dataclasses
import os
from pathlib import Path

from . import store


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The files of one generation of the index, as they were when it was opened."""

    folder: Path
    generation: int
    files: dict[str, tuple[int, int, int]]

    @classmethod
    def take(cls, folder: Path, searcher) -> "Snapshot":
        """The snapshot of the generation `searcher` reads."""
        reader = searcher.reader()
        # An empty index has no segment reader to tell its generation: list it.
        generation = reader.generation()
        if generation is None:
            generation = store.latest_generation(folder)
        segments = tuple(
            leaf.segment().segment_id() + "."
            for leaf, _base in reader.leaf_readers()
            if leaf.segment() is not None
        )
        try:
            names = [name for name in os.listdir(folder) if name.startswith(segments)]
            names += [store.METADATA_FILE, f"_{store.INDEX_NAME}_{generation}.toc"]
            files = _stamps(folder, names)
        except OSError:
            files = {}  # already gone: unchanged() says so, and the next use opens again
        return cls(folder, generation, files)

    def unchanged(self) -> bool:
        """Whether the index still is this generation, with the same files."""
        if not self.files or store.latest_generation(self.folder) != self.generation:
            return False
        try:
            return _stamps(self.folder, self.files) == self.files
        except OSError:
            return False


def folder_files(folder: Path) -> dict[str, tuple[int, int, int]] | None:
    """Every file in `folder` with its stamp (None without the folder): any write shows."""
    try:
        return _stamps(folder, os.listdir(folder))
    except OSError:
        return None


def _stamps(folder: Path, names) -> dict[str, tuple[int, int, int]]:
    # Joined as strings: Path's `/` costs more than the stat itself, on every request.
    prefix = os.path.join(folder, "")
    stamps = {}
    for name in names:
        status = os.stat(prefix + name)
        stamps[name] = (status.st_ino, status.st_size, status.st_mtime_ns)
    return stamps
