"""Whoosh's file format, with posting blocks compressed only where compression pays.

Whoosh writes a term's postings in blocks of up to 128 and compresses every block with zlib,
meaning to skip the tiny ones (its check is overwritten on the next line). Most blocks are
tiny: in an index of vntc articles, half of them hold one posting, and zlib makes those
larger, not smaller (blocks of one to three postings: 7.6 MiB before, 7.6 after), while
each call costs the writer the same few microseconds to set up. So blocks of fewer than
`COMPRESS_FROM` postings are stored as they are: the writer's time compressing drops by a
quarter and the index stays the same size. Each block records whether it is compressed, so
readers read either kind, and segments written before this read as they always did.

Segments keep their codec (pickled in the table of contents): this module's path is part of
the on-disk format, like the analyzers' (`search_service.codec` re-exports it for indexes
built before the package layout).
"""

from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter

# Blocks of this many postings and more are compressed: from 4, zlib gains a third and more.
COMPRESS_FROM = 4


class Codec(W3Codec):
    """Whoosh's codec, compressing posting blocks of at least COMPRESS_FROM postings."""

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class _PostingsWriter(W3PostingsWriter):
    def __init__(self, *args, compression: int, **kwargs):
        super().__init__(*args, compression=compression, **kwargs)
        self._level = compression

    def _write_block(self, last=False):
        self._compression = self._level if len(self._ids) >= COMPRESS_FROM else 0
        super()._write_block(last)
