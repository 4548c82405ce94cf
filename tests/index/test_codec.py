from search_service.index import codec, store, writing
from search_service.ingest.article import Article
from search_service.ingest.fields import prepare

from ..records import article


def _postings(index, term):
    """The document numbers of a body term, and whether its (only) block is compressed."""
    with store.open_searcher(index) as searcher:
        matcher = searcher.reader().postings("body", term)
        ids = list(matcher.all_ids())
        return ids, bool(matcher._compression)


def test_only_blocks_that_compression_shrinks_are_compressed(tmp_path, pyvi_loaded):
    index = tmp_path / "index"
    writing.create_index(index)
    with writing.writer(index) as writer:
        for number in range(6):
            extra = "Khuyến nông viên đến từng thôn." if number in (1, 4) else ""
            record = article(number, body=f"Hội nghị giao ban lần thứ {number}. {extra}")
            writer.add(prepare(Article.from_record(record)).fields)

    assert codec.COMPRESS_FROM <= 6
    assert _postings(index, "nghị") == ([0, 1, 2, 3, 4, 5], True)
    assert _postings(index, "khuyến") == ([1, 4], False)
    assert _postings(index, "khuyen") == ([1, 4], False)
