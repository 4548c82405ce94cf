"""Query trees evaluated with NumPy over the sample articles: the matches Whoosh finds, and
scores that rank as BM25 does."""

import numpy as np
import pytest
from whoosh import query as q

from search_service.search.engine import ExactPhrase, Plain
from search_service.text.syllables import SYLLABLE


@pytest.fixture(scope="module")
def generation(catalog):
    return catalog.current()


def _ids(generation, mask: np.ndarray) -> list[str]:
    stored = generation.searcher.stored_fields
    return sorted(stored(int(n))["id"] for n in np.flatnonzero(mask))


@pytest.mark.parametrize(
    "tree, count",
    [
        (q.Term("body", "covid"), 13),
        (q.Term("title", "covid"), 2),
        (q.And([q.Term("body", "covid"), q.Term("body", "dịch")]), 13),
        (q.Or([q.Term("title", "covid"), q.Term("title", "biển")]), 4),
        (q.AndNot(q.Term("body", "covid"), q.Term("body", "vắc")), 11),
        (q.Phrase("body", ["giao", "ban"]), 7),
        (q.Every(), 48),
        (q.Term("body", "xyzzy"), 0),
    ],
)
def test_a_tree_matches_what_whoosh_matches(generation, tree, count):
    found, scores = generation.engine.evaluate(tree)
    by_whoosh = sorted(hit["id"] for hit in generation.searcher.search(tree, limit=None))
    assert _ids(generation, found) == by_whoosh
    assert len(by_whoosh) == count
    assert not scores[~found].any()


def test_the_article_that_uses_a_term_most_for_its_length_ranks_first(generation):
    found, scores = generation.engine.evaluate(q.Term("body", "covid"))
    stored = generation.searcher.stored_fields
    best = [stored(int(n))["id"] for n in np.argsort(-scores, kind="stable")[:2]]
    assert best == ["article-khoa-giao-q3-2021", "bc-2022-chuyen-doi-so"]
    assert (scores[found] > 0).all()


def test_a_boost_multiplies_the_score_and_an_or_adds_them(generation):
    engine = generation.engine
    _, once = engine.evaluate(q.Term("body", "covid"))
    _, twice = engine.evaluate(q.Term("body", "covid", boost=2.0))
    _, other = engine.evaluate(q.Term("body", "dịch"))
    _, either = engine.evaluate(q.Or([q.Term("body", "covid"), q.Term("body", "dịch")]))
    np.testing.assert_allclose(twice, 2 * once, rtol=1e-6)
    np.testing.assert_allclose(either, once + other, rtol=1e-6)


def test_and_maybe_ranks_the_matches_of_its_first_tree_only(generation):
    engine = generation.engine
    base, base_scores = engine.evaluate(q.Term("title", "covid"))
    found, scores = engine.evaluate(q.AndMaybe(q.Term("title", "covid"), q.Term("body", "dịch")))
    assert _ids(generation, found) == _ids(generation, base)
    assert (scores[found] > base_scores[found]).all()
    assert not scores[~found].any()


def test_a_plain_term_finds_the_syllable_only_where_it_stands_without_marks(generation):
    shadows = generation.vocabulary.shadows("body", "giao")
    assert shadows == ("giáo",)
    plain, _ = generation.engine.evaluate(Plain("body", "giao", shadows))
    folded, _ = generation.engine.evaluate(q.Term("body", "giao"))  # every reading
    written_plain = sorted(
        document["id"]
        for document in generation.searcher.all_stored_fields()
        if "giao" in (s.lower() for s in SYLLABLE.findall(document.get("body") or ""))
    )
    assert _ids(generation, plain) == written_plain
    assert (len(written_plain), int(folded.sum())) == (17, 42)


@pytest.mark.parametrize(
    "field, words, shadows",
    [
        ("body", ["hội", "nghị"], None),
        ("body", ["giao", "ban"], None),
        ("body", ["ban", "tuyên", "giáo"], None),
        ("body", ["hoi", "nghi"], None),  # unmarked, any reading: folded copies count
        ("body", ["giao", "ban"], [("giáo",), ("bàn", "bán", "bạn")]),  # where they stand plain
        ("title", ["hội", "nghị", "giao", "ban"], None),
    ],
)
def test_the_pair_fields_narrow_a_phrase_without_losing_a_match(generation, field, words, shadows):
    # Positions are read only where every two adjacent words stand side by side in some
    # reading (the pair fields): a match is never among the documents left out.
    engine = generation.engine
    shadows = shadows or [()] * len(words)
    everyone = np.flatnonzero(engine.live)
    narrowed = engine._paired(field, words, everyone)
    matches = engine._adjacent(field, words, everyone, shadows)
    assert matches
    assert set(matches) <= set(narrowed.tolist())
    assert engine._adjacent(field, words, narrowed, shadows) == matches
    assert len(narrowed) < len(everyone)


@pytest.mark.parametrize(
    "words, shadows",
    [
        (["hội", "nghị"], None),  # marked: exact forms
        (["hoi", "nghi"], None),  # unmarked: any reading
        (["giao", "ban"], None),  # any reading of each
        (["giao", "ban"], [("giáo",), ("bàn", "bán", "bạn")]),  # where they stand plain
        (["ban", "tuyên"], [("bàn", "bán", "bạn"), ()]),
        (["nghị", "hội"], None),  # never in this order
        (["tuyên", "giao"], [(), ("giáo",)]),  # `tuyên giáo` is not it
    ],
)
@pytest.mark.parametrize("field", ["body", "title"])
def test_two_words_side_by_side_are_read_from_the_pair_field_as_positions_say(
    generation, field, words, shadows
):
    engine = generation.engine
    phrase = q.Phrase(field, words) if shadows is None else ExactPhrase(field, words, shadows)
    held = engine._pair_held(phrase)
    everyone = np.flatnonzero(engine.live)
    by_positions = engine._adjacent(field, words, everyone, shadows or [()] * 2)
    assert held is not None
    assert np.flatnonzero(held).tolist() == by_positions
    assert bool(by_positions) == (words not in (["nghị", "hội"], ["tuyên", "giao"]))
    assert engine.evaluate(phrase)[0].any() == bool(by_positions)


def test_the_pair_field_and_positions_agree_on_words_without_shadows_and_deleted_articles(
    tmp_path, pyvi_loaded
):
    # `500d` has no shadows (a syllable with a digit has no marked forms to take away), so
    # as an exact phrase it holds `500đ` too, as the positions of its term do; a deleted
    # article's plain `giao` no longer counts among the articles that hold it plain.
    from search_service.ingest import pipeline
    from search_service.search.catalog import Catalog
    from search_service.search.searching import search
    from search_service.search.types import SearchRequest

    from ..records import article, write_jsonl

    records = [
        article(1, title="Giá 500đ một vé", body="Giá 500đ một vé xem phim."),
        article(2, title="Giá 500d một vé", body="Giá 500d một vé xem phim."),
        *(article(n, title="Chuyển giao", body="Chuyển giao công nghệ.") for n in (3, 4, 5)),
        *(article(n, title="Giáo dục", body="Giáo dục và giáo viên.") for n in (6, 7)),
    ]
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", records)], index, workers=1)
    opened = Catalog(index)
    engine = opened.current().engine
    phrase = ExactPhrase("body", ["giá", "500d"], [(), ()])
    everyone = np.flatnonzero(engine.live)
    by_positions = engine._adjacent("body", ["giá", "500d"], everyone, [(), ()])
    assert np.flatnonzero(engine._pair_held(phrase)).tolist() == by_positions
    assert len(by_positions) == 2
    assert search(opened, SearchRequest(q='"giá 500d"')).total == 2

    assert opened.current().vocabulary.plain_frequency("body", "giao") == 3
    pipeline.delete([records[n]["id"] for n in (2, 3, 4)], index)
    vocabulary = opened.current().vocabulary
    assert vocabulary.plain_frequency("body", "giao") == 0
    assert vocabulary.forms("giao") == {"giáo": 2}
    opened.close()
