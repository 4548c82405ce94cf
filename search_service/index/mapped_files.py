"""Segment files read where they are mapped, instead of copied into memory.

Whoosh maps each compound segment file into memory and opens the files inside it as
`BufferFile`s, which wrap the mapped bytes in an `io.BytesIO`: a copy of the whole file.
Every searcher therefore copied the term tables of every segment (105 MB on the vntc index)
when it opened, and the postings (another 700 MB) as searches read them; and a new
searcher is opened at every commit, in every worker. With the write API committing every
second, the workers spent their time copying and their memory grew.

`install()` gives `BufferFile` a reader over the mapped bytes instead: positioned reads
(most of Whoosh's) slice the mapping as before, and sequential reads go through a small
buffer that copies only what is read. The pages of the mapping are the kernel's, shared by
every process that reads the index.
"""

import io

from whoosh.filedb import structfile

_BUFFER_SIZE = 4096


class _MappedRaw(io.RawIOBase):
    """A seekable, read-only raw stream over a buffer (a memoryview of a mapping)."""

    def __init__(self, buffer):
        self._view = memoryview(buffer)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, into) -> int:
        count = max(0, min(len(into), len(self._view) - self._position))
        into[:count] = self._view[self._position : self._position + count]
        self._position += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}
        self._position = max(0, base[whence] + offset)
        return self._position

    def tell(self) -> int:
        return self._position


def _init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = io.BufferedReader(_MappedRaw(buf), _BUFFER_SIZE)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install() -> None:
    """Make Whoosh's `BufferFile` read its buffer in place (idempotent)."""
    structfile.BufferFile.__init__ = _init


def contents(file) -> memoryview | bytes:
    """The whole of a file a segment reader opened: the mapped bytes themselves for a file
    inside a mapped compound segment (valid for as long as they are used, even after the
    reader closes), else a copy read from it."""
    if isinstance(file, structfile.BufferFile):
        return memoryview(file._buf)
    return file.read()
