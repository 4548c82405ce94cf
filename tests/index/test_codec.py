import pickle

import pytest

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


def _whoosh_postings(leaf, field, text):
    matcher = leaf.postings(field, text)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def test_postings_read_as_whoosh_reads_them_for_every_term_of_every_field(sample_index):
    # Blocks of the shapes the sample articles make: positions or not, frequencies all 1
    # or each its own (the hand-made blocks below cover the rest).
    shapes = set()
    with store.open_searcher(sample_index) as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            for field in ("title", "body", "title_pairs", "body_pairs", "body_words", "id"):
                for term, _ in leaf.iter_field(field):
                    text = term.decode("utf-8")
                    ids, weights = codec.postings(leaf, field, text)
                    assert (list(ids), list(weights)) == _whoosh_postings(leaf, field, text)
                    assert ids.dtype.name == "int32" and weights.dtype.name == "float32"
                    assert not ids.flags.writeable
                    shapes.add(len(set(weights.tolist())) > 1)
    assert shapes == {False, True}


def test_postings_of_a_term_the_segment_lacks_are_empty(sample_index):
    with store.open_searcher(sample_index) as searcher:
        ids, weights = codec.postings(searcher.reader(), "body", "xqzvbn")
    assert len(ids) == 0 and len(weights) == 0


@pytest.mark.parametrize(
    "deltas",
    [(7,), (7, 300), (0, 1, 2), (3, 1, 1, 1, 1), (5, 255, 256, 65535, 65536, 2**31 - 1)],
)
@pytest.mark.parametrize("weights", ["ones", "same", "each"])
def test_a_block_is_parsed_as_pickle_reads_it(deltas, weights, monkeypatch):
    # As Whoosh writes a block: deltas, then None, one float or a tuple, then positions.
    count = len(deltas)
    stored = {"ones": None, "same": 2.0, "each": tuple(float(n + 1) for n in range(count))}
    positions = tuple(b"\x00\x00\x00\x01" + bytes([n]) for n in range(count))
    data = pickle.dumps((deltas, stored[weights], positions), 2)
    monkeypatch.setattr(codec.pickle, "loads", None)  # parsed, not unpickled
    parsed = codec._block(data, count)
    expected = {"ones": [1.0] * count, "same": [2.0] * count, "each": list(stored["each"])}
    assert (list(parsed[0]), list(parsed[1])) == (list(deltas), expected[weights])


def test_a_block_in_another_shape_is_unpickled_whole():
    # Deltas past 2**31 use an opcode the parser leaves to pickle.
    data = pickle.dumps(((5, 2**32), (1.0, 2.0), None), 2)
    deltas, weights = codec._block(data, 2)
    assert list(deltas) == [5, 2**32] and list(weights) == [1.0, 2.0]
