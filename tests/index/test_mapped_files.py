"""Segment files are read in place, not copied into memory."""

import io
import tracemalloc

from whoosh.filedb.structfile import BufferFile, StructFile

from search_service.index import mapped_files, store


def test_a_buffer_file_reads_as_a_copy_would():
    mapped_files.install()
    data = bytes(range(256)) * 64
    mapped, copied = BufferFile(memoryview(data)), StructFile(io.BytesIO(data))
    for f in (mapped, copied):
        f.seek(300)
    assert mapped.read_varint() == copied.read_varint()
    assert mapped.read(1000) == copied.read(1000)
    assert mapped.tell() == copied.tell()
    mapped.seek(-10, io.SEEK_END)
    assert mapped.read() == data[-10:]
    assert mapped.get(5, 7) == data[5:12]
    assert mapped.subset(100, 50).read(60) == data[100:150]
    mapped.close()


def test_opening_a_searcher_copies_no_segment_file(sample_index):
    segments = sum(f.stat().st_size for f in sample_index.glob("*.seg"))
    tracemalloc.start()
    with store.open_searcher(sample_index) as searcher:
        assert searcher.doc_count() > 40
        _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Whoosh's BufferFile wrapped each file in a BytesIO: the term tables alone, copied,
    # were a fifth of the segment's size.
    assert peak < segments / 10, (peak, segments)
