"""Each segment's term table holds what Whoosh's postings hold, finds each term by its key
alone, and refuses a table that is not what its writer wrote."""

import io
import json
import shutil
from pathlib import Path

import pytest

from search_service.index import store, term_table, writing
from search_service.index.schema import ANALYZED_FIELDS
from search_service.ingest.article import Article
from search_service.ingest.fields import prepare
from search_service.search.catalog import Catalog
from search_service.search.searching import search
from search_service.search.types import SearchRequest

from ..conftest import SAMPLES
from ..records import article
from .test_codec import _whoosh_postings
from .test_index_before_layout import FIXTURE


def _tables_hold_what_whoosh_holds(index: Path) -> int:
    """Check every analyzed term of every segment; how many segments there are."""
    with store.open_searcher(index) as searcher:
        leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        for leaf in leaves:
            table = term_table.of_segment(leaf)
            assert table is not None
            terms = 0
            for field in ANALYZED_FIELDS:
                assert list(table.terms(field)) == [
                    (term.decode("utf-8"), info.doc_frequency())
                    for term, info in leaf.iter_field(field)
                ]
                for prefix in ("", "a", "h", "hoi ", "hoi nghi|", "hội", "ng", "z", "\U0010ffff"):
                    assert table.prefixed(field, prefix) == [
                        (term.decode("utf-8"), leaf.doc_frequency(field, term))
                        for term in leaf.expand_prefix(field, prefix)
                    ]
                for term, info in leaf.iter_field(field):
                    text = term.decode("utf-8")
                    ids, weights = table.postings(field, text)
                    assert (list(ids), list(weights)) == _whoosh_postings(leaf, field, text)
                    assert table.frequency(field, text) == info.doc_frequency()
                    assert not ids.flags.writeable
                    terms += 1
            assert len(table) == terms > 0
        return len(leaves)


def test_a_segment_table_holds_what_whoosh_holds_for_every_analyzed_term(sample_index):
    assert _tables_hold_what_whoosh_holds(sample_index) >= 1


def test_a_merge_writes_the_table_of_the_segment_it_makes(tmp_path, pyvi_loaded):
    index = tmp_path / "index"
    writing.create_index(index)
    for number in range(3):
        with writing.writer(index, merge=False) as writer:
            writer.add(prepare(Article.from_record(article(number))).fields)
    assert _tables_hold_what_whoosh_holds(index) == 3
    assert writing.optimize(index) == 3
    assert _tables_hold_what_whoosh_holds(index) == 1


def test_a_term_is_found_in_its_own_field_only(sample_index):
    with store.open_searcher(sample_index) as searcher:
        leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        leaf = max(leaves, key=lambda leaf: leaf.doc_count_all())
        table = term_table.of_segment(leaf)
        assert table.frequency("body", "nghị") == leaf.doc_frequency("body", "nghị") > 0
        assert table.frequency("title_words", "nghị") == 0  # a word field holds words
        assert table.frequency("id", "kg-2022-giao-ban-q1") == 0  # not an analyzed field
        assert table.frequency("body", "xqzvbn") == 0
        ids, weights = table.postings("body", "xqzvbn")
        assert (len(ids), len(weights)) == (0, 0)


def _table(terms: dict[tuple[str, bytes], list[tuple[int, float]]]) -> bytes:
    """The bytes of a table of `terms` (given in key order), as the writer writes them."""
    writer = term_table.TableWriter(frozenset(field for field, _ in terms))
    current = None
    for (field, text), postings in terms.items():
        if field != current:
            writer.start_field(field)
            current = field
        writer.start_term(text)
        for document, weight in postings:
            writer.add(document, weight)
        writer.finish_term()
    written = io.BytesIO()
    writer.write(written)
    return written.getvalue()


TERMS = {
    ("body", "giáo".encode()): [(0, 2.0), (3, 1.0)],
    ("body", "nghị".encode()): [(1, 1.0)],
    ("body_pairs", "hoi nghi|hội nghị".encode()): [(1, 1.0), (2, 4.0)],
}


def test_terms_whose_hashes_collide_are_told_apart_by_their_keys(monkeypatch):
    monkeypatch.setattr(term_table, "_hash", lambda key: 7)
    term_table._address.cache_clear()  # the hashes of terms looked up before
    table = term_table.TermTable(_table(TERMS), documents=4)
    for (field, text), postings in TERMS.items():
        ids, weights = table.postings(field, text.decode())
        assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == postings
    assert table.frequency("body", "hội") == 0
    other = term_table.TermTable(_table(dict(list(TERMS.items())[1:])), documents=4)
    directory = term_table.TermDirectory([table, other])
    assert directory.find("body", "giáo") == {0: 0}
    assert directory.find("body", "nghị") == {0: 1, 1: 0}
    assert directory.find("body", "hội") == {}
    term_table._address.cache_clear()


def test_a_prefix_is_searched_in_its_own_field_only():
    # `body_pairs` keys start with `body`: none of them is a term of `body`.
    table = term_table.TermTable(_table(TERMS), documents=4)
    assert len(table.leading("body")[0]) == 2
    assert len(table.leading("body_pairs")[0]) == 1
    assert len(table.leading("title")[0]) == 0
    directory = term_table.TermDirectory([table, table])
    body = [(0, "giáo"), (1, "nghị")]
    assert directory.prefixed("body", "") == {0: body, 1: body}
    assert directory.prefixed("body", "b") == {}
    pair = [(2, "hoi nghi|hội nghị")]
    assert directory.prefixed("body_pairs", "hoi nghi|") == {0: pair, 1: pair}
    assert directory.prefixed("title", "") == {}


def test_a_directory_finds_each_term_in_every_table_that_holds_it(
    tmp_path, pyvi_loaded, monkeypatch
):
    index = tmp_path / "index"
    writing.create_index(index)
    lines = (SAMPLES / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    for batch in range(3):
        with writing.writer(index, merge=False) as writer:
            for line in lines[batch::3]:
                writer.add(prepare(Article.from_record(json.loads(line))).fields)
    with store.open_searcher(index) as searcher:
        tables = [term_table.of_segment(leaf) for leaf, _ in searcher.reader().leaf_readers()]
    directory = term_table.TermDirectory(tables)
    looked_up = 0
    for field in ANALYZED_FIELDS:
        texts = {text for table in tables for text, _ in table.terms(field)}
        for text in sorted(texts | {"xqzvbn", "hội nghị"}):
            expected = {n: t._find(field, text) for n, t in enumerate(tables)}
            assert directory.find(field, text) == {n: t for n, t in expected.items() if t >= 0}
            looked_up += 1
    assert looked_up > 10_000
    assert term_table.TermDirectory([]).find("body", "hội") == {}

    # Prefixes: shorter and longer than the 8 bytes the directory sorts by, with marks,
    # at the ends of the key order, and the prefixes of each pair's readings.
    prefixes = {"", "a", "h", "hoi ", "hoi nghi|", "hội", "nguoi dan|", "z", "\U0010ffff"}
    for table in tables:
        prefixes |= {text.partition("|")[0] + "|" for text, _ in table.terms("body_pairs")}
    assert term_table.TermDirectory(tables).prefixed("body_pairs", "") is None  # too many
    monkeypatch.setattr(term_table, "MAX_CANDIDATES", 10**9)
    directory = term_table.TermDirectory(tables)
    checked = 0
    for field in ANALYZED_FIELDS:
        for prefix in sorted(prefixes):
            expected = {
                n: [(term, text) for term, text in table._run(field, prefix)]
                for n, table in enumerate(tables)
            }
            assert directory.prefixed(field, prefix) == {n: t for n, t in expected.items() if t}
            checked += bool(expected[0])
    assert checked > 1_000
    assert term_table.TermDirectory([]).prefixed("body_pairs", "hoi nghi|") == {}


@pytest.mark.parametrize("place", [0, 4, 40, 100, -1])
def test_a_changed_byte_anywhere_is_damage(place):
    data = bytearray(_table(TERMS))
    data[place] ^= 0x20
    with pytest.raises(term_table.TableDamaged):
        term_table.TermTable(bytes(data), documents=4)


def test_a_table_cut_short_or_naming_documents_the_segment_lacks_is_damage():
    data = _table(TERMS)
    for cut in (0, 10, len(data) - 1):
        with pytest.raises(term_table.TableDamaged):
            term_table.TermTable(data[:cut], documents=4)
    with pytest.raises(term_table.TableDamaged, match="offsets"):
        term_table.TermTable(data, documents=3)  # document 3 is past the segment's end
    assert len(term_table.TermTable(data, documents=4)) == 3


def test_a_segment_written_before_term_tables_is_read_from_whoosh(tmp_path):
    index = shutil.copytree(FIXTURE, tmp_path / "index")
    with store.open_searcher(index) as searcher:
        assert [term_table.of_segment(leaf) for leaf, _ in searcher.reader().leaf_readers()]
        assert all(
            term_table.of_segment(leaf) is None for leaf, _ in searcher.reader().leaf_readers()
        )
    catalog = Catalog(index)
    try:
        assert search(catalog, SearchRequest(q="hoi nghi")).total > 0
    finally:
        catalog.close()
