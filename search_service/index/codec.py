"""Whoosh's file format, with posting blocks compressed only where compression pays.

Whoosh writes a term's postings in blocks of up to 128 and compresses every block with zlib,
meaning to skip the tiny ones (its check is overwritten on the next line). Most blocks are
tiny: in an index of vntc articles, half of them hold one posting, and zlib makes those
larger, not smaller, while each call costs the writer the same few microseconds to set
up. So blocks of fewer than `COMPRESS_FROM` postings are stored as they are: the index
stays the same size, and the writer spends less time compressing (CHANGELOG.md). Each
block records whether it is compressed, so readers read either kind.

Segments keep their codec (pickled in the table of contents): this module's path is part of
the on-disk format, like the analyzers' (`search_service.codec` re-exports it for indexes
built before the package layout).

Reading a term's documents and frequencies (`postings`) goes around Whoosh's matcher: each
block is a pickle of (document deltas, frequencies, positions), and Python 3 pickles each
document's positions as a call to `_codecs.encode`, so unpickling a block of a positional
field costs microseconds a posting for values the engine never uses. The deltas and the
frequencies come first in the pickle and use a handful of opcodes: they are parsed here,
and the positions are left unread (any other shape is unpickled whole, as Whoosh does).
"""

import io
import pickle
import re
import struct
import zlib

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3PostingsWriter
from whoosh.reading import TermNotFound

from .schema import ANALYZED_FIELDS
from .term_table import TABLE_EXT, TableWriter

# Blocks of this many postings and more are compressed: from 4, zlib gains a third and more.
COMPRESS_FROM = 4


class Codec(W3Codec):
    """Whoosh's codec, compressing posting blocks of at least COMPRESS_FROM postings, and
    writing each segment's term table (`term_table`) beside its postings."""

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class _FieldWriter(W3FieldWriter):
    """Whoosh's field writer, also keeping the analyzed fields' terms for the term table."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._table = TableWriter(ANALYZED_FIELDS)

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        self._table.start_field(fieldname)

    def start_term(self, btext):
        super().start_term(btext)
        self._table.start_term(btext)

    def add(self, docnum, weight, vbytes, length):
        super().add(docnum, weight, vbytes, length)
        self._table.add(docnum, weight)

    def finish_term(self):
        super().finish_term()
        self._table.finish_term()

    def close(self):
        table = self._create_file(TABLE_EXT)
        self._table.write(table)
        table.close()
        super().close()


class _PostingsWriter(W3PostingsWriter):
    def __init__(self, *args, compression: int, **kwargs):
        super().__init__(*args, compression=compression, **kwargs)
        self._level = compression

    def _write_block(self, last=False):
        self._compression = self._level if len(self._ids) >= COMPRESS_FROM else 0
        super()._write_block(last)


def postings(leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of a term in a segment's reader `leaf` (empty
    if the segment lacks it), as read-only arrays."""
    terms = leaf._terms
    try:
        info = terms.term_info(field, leaf._text_to_bytes(field, text))
    except TermNotFound:
        return _arrays(np.zeros(0, np.int32), np.zeros(0, np.float32))
    if info.is_inlined():
        ids, weights, _ = info.inlined_postings()
        return _arrays(np.array(ids, np.int32), np.array(weights, np.float32))
    offset, _ = info.extent()
    postfile = terms._postfile
    position = offset + len(WHOOSH3_HEADER_MAGIC)
    ids, weights = [], []
    while True:
        # A block: its length (negative for the last), a pickled header, the data.
        length = postfile.get_int(position)
        block = postfile.get(position + _INT.size, abs(length))
        stream = io.BytesIO(block)
        count, _, _, compressed, _, _ = pickle.load(stream)
        data = block[stream.tell() :]
        block_ids, block_weights = _block(zlib.decompress(data) if compressed else data, count)
        ids.append(np.cumsum(block_ids, dtype=np.int32))
        weights.append(block_weights)
        if length < 0:
            break
        position += _INT.size + abs(length)
    return _arrays(np.concatenate(ids), np.concatenate(weights))


_INT = struct.Struct("!i")
_FLOAT = struct.Struct(">d")
# Pickle opcodes (protocol 2) that a block's deltas and frequencies use.
_MARK, _TUPLE, _NONE, _FLOAT_OP = b"(", b"t", b"N", b"G"
_SMALL_TUPLES = {1: b"\x85", 2: b"\x86", 3: b"\x87"}
# An integer: K and one byte, M and two, J and four (little-endian, J signed).
_INT_OP = re.compile(rb"K.|M..|J....", re.DOTALL)
_MEMO_OPS = {ord("q"): 1, ord("r"): 4}


class _Unexpected(Exception):
    """A block pickled in another shape than the one parsed here."""


def _block(data: bytes, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(document deltas, frequencies) of a block's data."""
    try:
        if data[:2] != b"\x80\x02":
            raise _Unexpected
        deltas, at = _ints(data, 2, count)
        at = _skip_memo(data, at)
        return deltas, _floats(data, at, count)
    except (_Unexpected, IndexError, KeyError):
        deltas, weights, _ = pickle.loads(data)
        if weights is None:
            weights = np.ones(count, np.float32)
        elif isinstance(weights, float):
            weights = np.full(count, weights, np.float32)
        return np.array(deltas, np.int64), np.array(weights, np.float32)


def _ints(data: bytes, at: int, count: int) -> tuple[np.ndarray, int]:
    """`count` small integers pickled as a tuple from `at`; the offset after it."""
    opened = count > len(_SMALL_TUPLES)
    if opened:
        if data[at : at + 1] != _MARK:
            raise _Unexpected
        at += 1
    # The first is the block's first document number; the others are gaps, under 256 in
    # most blocks of a frequent term: then one byte each, read at once.
    first = _INT_OP.match(data, at)
    rest = data[first.end() : first.end() + 2 * (count - 1)] if first else b""
    if first and rest[0::2] == b"K" * (count - 1):
        values = np.empty(count, np.int64)
        values[0] = _int(first.group())
        values[1:] = np.frombuffer(rest[1::2], np.uint8)
        at = first.end() + len(rest)
    else:
        # Deltas of one, two and four bytes mixed: the opcodes found in one pass, kept
        # only if they follow each other from `at` with nothing skipped.
        tokens = _INT_OP.findall(data, at, at + 5 * count)[:count]
        run = b"".join(tokens)
        if len(tokens) != count or data[at : at + len(run)] != run:
            raise _Unexpected
        sizes = np.fromiter(map(len, tokens), np.int64, count)
        starts = np.cumsum(sizes) - sizes
        raw = np.frombuffer(run, np.uint8).astype(np.int64)
        values = raw[starts + 1]
        wide = sizes >= 3
        values[wide] += raw[starts[wide] + 2] << 8
        widest = sizes == 5
        values[widest] += (raw[starts[widest] + 3] << 16) + (raw[starts[widest] + 4] << 24)
        values[values >= 2**31] -= 2**32  # J is signed
        at += len(run)
    closing = _TUPLE if opened else _SMALL_TUPLES[count]
    if data[at : at + 1] != closing:
        raise _Unexpected
    return values, at + 1


def _int(token: bytes) -> int:
    return int.from_bytes(token[1:], "little", signed=token[:1] == b"J")


def _floats(data: bytes, at: int, count: int) -> np.ndarray:
    """The frequencies pickled from `at`: None (all 1), one float (all the same), or a
    tuple of `count` floats."""
    opcode = data[at : at + 1]
    if opcode == _NONE:
        return np.ones(count, np.float32)
    opened = count > len(_SMALL_TUPLES)
    if opcode == _FLOAT_OP and not (
        not opened and data[at + 9 : at + 10] in (_SMALL_TUPLES[count], _FLOAT_OP)
    ):
        # One float for the whole block (a tuple of floats would follow on with G or close).
        return np.full(count, _FLOAT.unpack_from(data, at + 1)[0], np.float32)
    if opened:
        if opcode != _MARK:
            raise _Unexpected
        at += 1
    span = data[at : at + 9 * count]
    if len(span) != 9 * count or span[0::9] != _FLOAT_OP * count:
        raise _Unexpected
    closing = _TUPLE if opened else _SMALL_TUPLES[count]
    if data[at + 9 * count : at + 9 * count + 1] != closing:
        raise _Unexpected
    table = np.frombuffer(span, np.uint8).reshape(count, 9)[:, 1:]
    return np.ascontiguousarray(table).view(">f8").ravel().astype(np.float32)


def _skip_memo(data: bytes, at: int) -> int:
    size = _MEMO_OPS.get(data[at])
    return at + 1 + size if size else at


def _arrays(ids: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    for array in (ids, weights):
        array.flags.writeable = False  # cached and shared: never changed in place
    return ids, weights
