"""A segment's term table: each analyzed term's documents and frequencies, found in microseconds.

Whoosh finds a term through an on-disk hash table (an MD5 and a few reads, about 30 us) and
then decodes its pickled posting blocks. A search of the whole vntc index asks each of its
segments for hundreds of terms it has never read, and that was most of a first query's time.
So the writer keeps, beside Whoosh's postings, a table of the analyzed fields' terms in one
file of the segment (`TABLE_EXT`, inside the segment's compound file, written and deleted
with it): a term is one binary search in memory-mapped arrays, its documents and frequencies a
slice of two more, and its document frequency the length of that slice. Positions stay in
Whoosh's postings, for phrases and snippets.

    header   magic, version, CRC-32 of what follows, terms n, postings p, key bytes k
    hashes   uint64[n], sorted: an 8-byte BLAKE2b of each key
    ranks    uint32[n]: the term number (in key order) of each hash
    starts   int64[n + 1]: where each term's postings start, in key order
    keyed    int64[n + 1]: where each term's key starts
    docs     int32[p]: document numbers within the segment, ascending for each term
    weights  float32[p]: term frequencies
    keys     bytes[k]: each term's key, field name, NUL, then the term's bytes

Segments written before the table existed have none: the reader then asks Whoosh, and a
merge gives the new segment its table.
"""

import bisect
import functools
import hashlib
import struct
import sys
import threading
import zlib
from array import array
from collections.abc import Iterator
from typing import Literal

import numpy as np

from ..caching import LRU
from . import mapped_files

TABLE_EXT = ".tab"
_MAGIC, _VERSION = b"SSTT", 1
_HEADER = struct.Struct("<4sIIQQQ")
# About how many hashes share their first bits, in the reader's runs (see TermTable).
_PER_RUN = 4
# Every how many keys one is kept in memory, to find a prefix's run of keys (see `_run`).
_SAMPLED = 64
# A directory's prefix search checks at most this many keys; past it, a search in each table
# is faster (about 0.5 ms for the 21 large segments of vntc).
MAX_CANDIDATES = 300
# How many prefixes a directory keeps what it found for.
PREFIXES_KEPT = 4096


class TableDamaged(Exception):
    """A term table that is not what its header says: the segment's file is damaged."""


def _key(field: str, text: bytes) -> bytes:
    return field.encode("utf-8") + b"\0" + text


def _hash(key: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


@functools.lru_cache(maxsize=1 << 16)
def _address(field: str, text: str) -> tuple[bytes, int]:
    """A term's key and hash, the same in every segment: computed once for all of them."""
    key = _key(field, text.encode("utf-8"))
    return key, _hash(key)


class TableWriter:
    """Collects the terms of some fields as Whoosh's field writer writes them (in key order),
    then writes the table to a file."""

    def __init__(self, fields: frozenset[str]):
        self.fields = fields
        self._field: str | None = None
        self._keys: list[bytes] = []
        self._starts = array("q", [0])
        self._docs = array("i")
        self._weights = array("f")

    def start_field(self, field: str) -> None:
        self._field = field if field in self.fields else None

    def start_term(self, text: bytes) -> None:
        if self._field is not None:
            self._keys.append(_key(self._field, text))

    def add(self, document: int, weight: float) -> None:
        if self._field is not None:
            self._docs.append(document)
            self._weights.append(weight)

    def finish_term(self) -> None:
        if self._field is not None:
            self._starts.append(len(self._docs))

    def write(self, file) -> None:
        """Write the table to `file` (a Whoosh StructFile or any binary file)."""
        hashes = np.fromiter(map(_hash, self._keys), np.uint64, len(self._keys))
        ranks = np.argsort(hashes, kind="stable")
        keyed = np.zeros(len(self._keys) + 1, np.int64)
        np.cumsum([len(key) for key in self._keys], out=keyed[1:])
        keys = b"".join(self._keys)
        parts = [
            values.astype(dtype, copy=False).tobytes()
            for values, dtype in (
                (hashes[ranks], "<u8"),
                (ranks, "<u4"),
                (np.frombuffer(self._starts, np.int64), "<i8"),
                (keyed, "<i8"),
                (np.frombuffer(self._docs, np.int32), "<i4"),
                (np.frombuffer(self._weights, np.float32), "<f4"),
            )
        ]
        parts.append(keys)
        checksum = functools.reduce(lambda crc, part: zlib.crc32(part, crc), parts, 0)
        counts = (len(self._keys), len(self._docs), len(keys))
        file.write(_HEADER.pack(_MAGIC, _VERSION, checksum, *counts))
        for part in parts:
            file.write(part)


def of_segment(leaf) -> "TermTable | None":
    """The term table of a segment's reader `leaf`, or None if the segment has none (or the
    machine is big-endian: the table is read in place as little-endian numbers)."""
    name = leaf.segment().make_filename(TABLE_EXT)
    files = leaf.storage()
    if not files.file_exists(name) or sys.byteorder != "little":
        return None
    return TermTable(mapped_files.contents(files.open_file(name)), leaf.doc_count_all(), name)


class TermTable:
    """The term table of a segment of `documents` documents, from a buffer of its bytes."""

    def __init__(self, buffer, documents: int, name: str = "term table"):
        size = len(buffer)
        if size < _HEADER.size:
            raise TableDamaged(f"{name}: {size} bytes")
        magic, version, checksum, terms, postings, key_bytes = _HEADER.unpack_from(buffer)
        expected = _HEADER.size + terms * 28 + 16 + postings * 8 + key_bytes
        if magic != _MAGIC or version != _VERSION or expected != size:
            raise TableDamaged(f"{name}: not the size its header gives")
        # Read whole once (about 30 ms for the largest vntc segment): garbage in the hashes
        # or the keys would otherwise find nothing, silently.
        if zlib.crc32(memoryview(buffer)[_HEADER.size :]) != checksum:
            raise TableDamaged(f"{name}: its checksum does not match")
        at = _HEADER.size

        def take(dtype: str, count: int) -> np.ndarray:
            nonlocal at
            values = np.frombuffer(buffer, dtype, count, at)
            at += values.nbytes
            return values

        hashes = take("<u8", terms)
        ranks = take("<u4", terms)
        starts = take("<i8", terms + 1)
        keyed = take("<i8", terms + 1)
        self._docs = take("<i4", postings)
        self._weights = take("<f4", postings)
        self._keys = memoryview(buffer)[at : at + key_bytes]
        # Checked once, so that no search can read past an array or a segment's documents.
        if (
            (starts[0], starts[-1], keyed[0], keyed[-1]) != (0, postings, 0, key_bytes)
            or np.any(np.diff(starts) < 0)
            or np.any(np.diff(keyed) < 0)
            or np.any(ranks >= max(terms, 1))
            or (postings and (self._docs.min() < 0 or self._docs.max() >= documents))
        ):
            raise TableDamaged(f"{name}: offsets that do not fit it")
        # A lookup is a handful of reads: through memoryviews, each is a Python int in tens
        # of nanoseconds (bisect over them takes 1.6 us, numpy's searchsorted 9 to 17 us),
        # within the run of hashes that start like the term's (see `_runs`).
        self._shift, self._runs = _runs(hashes)
        self.hashes = hashes
        self._hashes = _ints(hashes, "Q")
        self._ranks = _ints(ranks, "I")
        self._starts = _ints(starts, "q")
        self._keyed = _ints(keyed, "q")
        self._key_starts = keyed  # the same, as an array (`leading`)
        # Every _SAMPLED-th key: a binary search over these compares bytes, not slices of
        # the mapped keys (twenty of those, most of them cache misses).
        self._sampled = [self._key_of(term) for term in range(0, terms, _SAMPLED)]

    def __len__(self) -> int:
        return len(self._hashes)

    def _find(self, field: str, text: str) -> int:
        """The term's number in key order, or -1."""
        key, wanted = _address(field, text)
        hashes = self._hashes
        run = wanted >> self._shift
        stop = self._runs[run + 1]
        at = bisect.bisect_left(hashes, wanted, self._runs[run], stop)
        while at < stop and hashes[at] == wanted:
            term = self._ranks[at]
            if self._keys[self._keyed[term] : self._keyed[term + 1]] == key:
                return term
            at += 1
        return -1

    def _term_at(self, at: int, key: bytes, wanted: int) -> int:
        """The number of the term whose hash is the `at`-th, if it is `key` (of hash
        `wanted`), or -1."""
        if self._hashes[at] != wanted:
            return -1
        term = self._ranks[at]
        return term if self._keys[self._keyed[term] : self._keyed[term + 1]] == key else -1

    def documents(self, term: int) -> int:
        """How many documents hold the term numbered `term` (deleted ones too)."""
        return self._starts[term + 1] - self._starts[term]

    def slices(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of the term numbered `term`, read-only."""
        start, stop = self._starts[term], self._starts[term + 1]
        return self._docs[start:stop], self._weights[start:stop]

    def prefixed(self, field: str, prefix: str) -> list[tuple[str, int]]:
        """The terms of `field` that start with `prefix`, in order, with their document
        frequencies."""
        return [(text, self.documents(term)) for term, text in self._run(field, prefix)]

    def terms(self, field: str) -> Iterator[tuple[str, int]]:
        """Every term of `field`, in order, with its document frequency."""
        for term, text in self._run(field, ""):
            yield text, self.documents(term)

    def _run(self, field: str, prefix: str) -> Iterator[tuple[int, str]]:
        # Keys are stored in key order: those that start alike are a run, found by a binary
        # search among every _SAMPLED-th key, then among the keys between two of them.
        start = _key(field, prefix.encode("utf-8"))
        at = self._first_at_least(start)
        while at < len(self) and (key := self._key_of(at)).startswith(start):
            yield at, key[len(field) + 1 :].decode("utf-8")
            at += 1

    def _first_at_least(self, key: bytes) -> int:
        """The number of the first term whose key is `key` or after it."""
        after = bisect.bisect_left(self._sampled, key) * _SAMPLED
        return bisect.bisect_left(
            range(len(self)),
            key,
            max(0, after - _SAMPLED),
            min(len(self), after + 1),
            key=self._key_of,
        )

    def _key_of(self, term: int) -> bytes:
        return bytes(self._keys[self._keyed[term] : self._keyed[term + 1]])

    def leading(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """(the first 8 bytes of each term of `field` as a big-endian number, NUL-padded;
        the term's number), in key order, so that the numbers are in order too."""
        name = field.encode("utf-8") + b"\0"
        start = self._first_at_least(name)
        stop = self._first_at_least(field.encode("utf-8") + b"\1")
        if start == stop:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint32)
        begins = self._key_starts[start:stop] + len(name)
        lengths = self._key_starts[start + 1 : stop + 1] - begins
        keys = np.frombuffer(self._keys, np.uint8)
        head = np.zeros(stop - start, np.uint64)
        for at in range(8):
            # A byte a pass: the temporary arrays stay the size of one column.
            byte = keys[np.minimum(begins + at, len(keys) - 1)].astype(np.uint64)
            byte[lengths <= at] = 0
            head <<= np.uint64(8)
            head |= byte
        return head, np.arange(start, stop, dtype=np.uint32)

    def frequency(self, field: str, text: str) -> int:
        """How many documents of the segment hold the term (deleted ones too)."""
        term = self._find(field, text)
        return 0 if term < 0 else self.documents(term)

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of the term, read-only; empty if absent."""
        term = self._find(field, text)
        return (self._docs[:0], self._weights[:0]) if term < 0 else self.slices(term)


class TermDirectory:
    """Where a term stands in each of several segments' tables, found in one lookup for
    all of them: a generation of a bulk-ingested index has a score of large segments, and a
    term looked up in each, most often absent, cost a search thousands of lookups.

    One sorted array of an entry per term of each table: the first bits of its hash, then
    the table's number, then the hash's place in that table, so that the entries of one hash
    stand together in table order. The rest of the hash and the key are checked in the table.
    """

    def __init__(self, tables: list[TermTable]):
        self.tables = tables
        self._place_bits = max(1, max((len(t) for t in tables), default=1).bit_length())
        table_bits = max(1, len(tables).bit_length())
        self._low = self._place_bits + table_bits
        low = np.uint64(self._low)
        entries = np.sort(
            np.concatenate(
                [
                    (table.hashes >> low << low)
                    | np.uint64(number << self._place_bits)
                    | np.arange(len(table), dtype=np.uint64)
                    for number, table in enumerate(tables)
                ]
                or [np.zeros(0, np.uint64)]
            )
        )
        self._shift, self._runs = _runs(entries)
        self._entries = _ints(entries, "Q")
        self._leads: dict[str, tuple[memoryview, memoryview, memoryview]] = {}
        self._building = threading.Lock()
        # Prefixes looked up (the readings of a pair recur across queries and generations).
        self._found = LRU(PREFIXES_KEPT)

    def find(self, field: str, text: str) -> dict[int, int]:
        """{table number: term number} of each table that holds the term."""
        key, wanted = _address(field, text)
        entries, low = self._entries, self._low
        first = wanted >> low << low
        run = wanted >> self._shift
        stop = self._runs[run + 1]
        at = bisect.bisect_left(entries, first, self._runs[run], stop)
        found: dict[int, int] = {}
        places = (1 << self._place_bits) - 1
        while at < stop and entries[at] >> low << low == first:
            entry = entries[at]
            number = (entry & ((1 << low) - 1)) >> self._place_bits
            term = self.tables[number]._term_at(entry & places, key, wanted)
            if term >= 0:
                found.setdefault(number, term)
            at += 1
        return found

    def prefixed(self, field: str, prefix: str) -> dict[int, list[tuple[int, str]]] | None:
        """{table number: [(term number, text), ...] in key order} of the terms of `field`
        that start with `prefix`: one binary search for every table, among the first 8
        bytes of their terms (`leading`), then the keys of those that start alike. None
        when more than MAX_CANDIDATES terms start with the prefix's first 8 bytes (a
        syllable of six letters or more and a common next one: `nguyen thi|`), which a
        search in each table finds faster."""
        return self._found.get((field, prefix), lambda: self._prefixed(field, prefix))

    def _prefixed(self, field: str, prefix: str) -> dict[int, list[tuple[int, str]]] | None:
        numbers, tables, terms = self.leading(field)
        encoded = prefix.encode("utf-8")
        head = encoded[:8]
        at = bisect.bisect_left(numbers, int.from_bytes(head.ljust(8, b"\0"), "big"))
        stop = bisect.bisect_right(numbers, int.from_bytes(head.ljust(8, b"\xff"), "big"))
        if stop - at > MAX_CANDIDATES:
            return None
        key = _key(field, encoded)
        skip = len(field.encode("utf-8")) + 1
        found: dict[int, list[tuple[int, str]]] = {}
        for number, term in zip(tables[at:stop], terms[at:stop], strict=True):
            held = self.tables[number]._key_of(term)
            if held.startswith(key):
                found.setdefault(number, []).append((term, held[skip:].decode("utf-8")))
        return found

    def leading(self, field: str) -> tuple[memoryview, memoryview, memoryview]:
        """(the first 8 bytes of each term of `field` in every table as a number, sorted;
        the table's number; the term's number there), built on first use (`warm` builds
        those of the pair fields): on the whole vntc, 7.2 million pair terms, 1.5 s and 14
        bytes a term."""
        with self._building:
            if field not in self._leads:
                self._leads[field] = self._lead(field)
        return self._leads[field]

    def _lead(self, field: str) -> tuple[memoryview, memoryview, memoryview]:
        parts = [table.leading(field) for table in self.tables]
        numbers = np.concatenate([n for n, _ in parts] or [np.zeros(0, np.uint64)])
        tables = np.concatenate(
            [np.full(len(n), i, np.uint16) for i, (n, _) in enumerate(parts)]
            or [np.zeros(0, np.uint16)]
        )
        terms = np.concatenate([t for _, t in parts] or [np.zeros(0, np.uint32)])
        del parts
        # Each table's numbers are in order already: a stable sort keeps, among equal
        # numbers, table order, then key order.
        order = np.argsort(numbers, kind="stable")
        return (
            _ints(numbers[order], "Q"),
            memoryview(tables[order].data).cast("B").cast("H"),
            _ints(terms[order], "I"),
        )


def _runs(hashes: np.ndarray) -> tuple[int, memoryview]:
    """How far to shift a hash for its run's number, and where each run starts in `hashes`
    (sorted and spread evenly): about _PER_RUN hashes start with the same bits, and a
    binary search among them reads a few numbers close together, not twenty across the
    whole array, most of them cache misses in a search that looks up thousands of terms."""
    bits = max(1, (len(hashes) // _PER_RUN).bit_length())
    shift = 64 - bits
    firsts = np.arange(1 << bits, dtype=np.uint64) << np.uint64(shift)
    starts = np.append(np.searchsorted(hashes, firsts), len(hashes)).astype(np.int64)
    return shift, _ints(starts, "q")


def _ints(values: np.ndarray, code: Literal["Q", "I", "q"]) -> memoryview:
    return memoryview(values.data).cast("B").cast(code)
