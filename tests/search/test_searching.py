"""Search on the bundled samples: literal ranks for each typing style, marks, facets."""

import re
import unicodedata

import pytest

from search_service.errors import ArticleNotFound, BadQuery
from search_service.search import searching as search_module
from search_service.search.searching import related_articles, search
from search_service.search.types import SearchRequest

SEED = "article-khoa-giao-q3-2021"
SEED_TITLE_WORDS = "hội nghị giao ban công tác khoa giáo quý 3"


def find(catalog, text="", **request):
    return search(catalog, SearchRequest(q=text, **request))


def ids(result):
    return [hit.id for hit in result.hits]


@pytest.mark.parametrize(
    "typed",
    [
        SEED_TITLE_WORDS,
        "hoi nghi giao ban cong tac khoa giao quy 3",  # without marks
        "HỘI NGHỊ GIAO BAN CÔNG TÁC KHOA GIÁO QUÝ 3",  # capitals
        unicodedata.normalize("NFD", SEED_TITLE_WORDS),  # decomposed, as macOS types it
        "hooij nghij giao ban coong tacs khoa giaos quys 3",  # Telex keystrokes
        "ho6i5 nghi5 giao ban co6ng ta1c khoa gia1o quy1 3",  # VNI keystrokes
        "hội ngh giao ban công tác khoa giáo quý 3",  # one letter missing
    ],
)
def test_the_same_article_comes_first_however_the_query_is_typed(catalog, typed):
    assert ids(find(catalog, typed, limit=3)) == [
        SEED,
        "kg-2022-giao-ban-q1",
        "kg-2025-giao-ban-q1",
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "hooij nghij giao ban coong tacs khoa giaos quys 3",
        "ho6i5 nghi5 giao ban co6ng ta1c khoa gia1o quy1 3",
        "hoi nghi giao ban cong tac khoa giao quy 3",
    ],
)
def test_keystrokes_and_words_without_marks_are_read_and_shown_with_marks(catalog, typed):
    result = find(catalog, typed)
    assert result.reading == SEED_TITLE_WORDS
    assert result.suggestion is None  # what was read was searched: nothing to offer
    assert result.total == 2


def test_a_word_no_article_holds_empties_the_precise_tier_and_its_mend_is_offered(catalog):
    result = find(catalog, "hội ngh giao ban công tác khoa giáo quý 3", limit=4)
    assert result.total == 0
    assert result.missing == ["ngh"]
    assert result.suggestion == SEED_TITLE_WORDS
    # The corrected query's matches lead the labelled fallback.
    assert [(hit.id, hit.tier) for hit in result.hits] == [
        (SEED, "fallback"),
        ("kg-2022-giao-ban-q1", "fallback"),
        ("kg-2025-giao-ban-q1", "fallback"),
        ("dl-2022-an-ninh-tu-tuong-q1", "fallback"),
    ]


@pytest.mark.parametrize("typed", ["ban tuyên giá tỉnh ủy", "ban tuyen gia tinh uy"])
def test_a_dropped_letter_that_leaves_another_word_is_mended_by_its_neighbours(catalog, typed):
    # `giá` and `gia` are words, but `tuyên giáo` is the pair the articles hold, and the
    # corrected query finds over twice as many: it is offered.
    result = find(catalog, typed)
    assert result.suggestion == "ban tuyên giáo tỉnh ủy"
    assert ids(result)[0] == SEED


@pytest.mark.parametrize(
    "typed, meant, title",
    [
        ("sản xuất nông nhiệp", "nghiệp", "Đưa tiến bộ khoa học và công nghệ vào sản xuất nông"),
        ("nhu cầu thị trờng lao động", "trường", "Giáo dục nghề nghiệp gắn với nhu cầu"),
        ("ứng phó với dịch bện", "bệnh", "Ngành Y tế Khánh Hòa chủ động ứng phó"),
    ],
)
def test_a_marked_word_missing_a_letter_is_mended_to_a_word_its_marks_fit(
    catalog, typed, meant, title
):
    # The most frequent word one letter from the folded form is another (`nhieu` for
    # `nhiep`, `thong` for `trong`, `ban` for `ben`): the marks typed rule them out.
    result = find(catalog, typed)
    assert meant in result.suggestion.split()
    assert result.hits[0].title.replace("<mark>", "").replace("</mark>", "").startswith(title)


@pytest.mark.parametrize("typed", ["giá trị văn hóa", "gia tri van hoa", "tuyên giáo"])
def test_a_word_that_fits_its_neighbours_is_left_alone(catalog, typed):
    assert find(catalog, typed).suggestion is None


def test_both_tone_styles_find_the_same_articles(catalog):
    old = find(catalog, "Tỉnh ủy Khánh Hòa", limit=50)
    new = find(catalog, "Tỉnh uỷ Khánh Hoà", limit=50)
    assert old.total == new.total == 35
    assert ids(old) == ids(new)


@pytest.mark.parametrize(
    ("typed", "total", "first"),
    [
        ("bán", 1, "dl-2023-ban-hang-online"),
        ("bạn", 7, "bc-2023-ban-doc-tre"),
        # Without marks: its likely readings. In 48 articles, 45 with `ban`, the one with
        # `bán` still ranks first by rarity, even at a fifth of a match (see Form.weight).
        ("ban", 47, "dl-2023-ban-hang-online"),
    ],
)
def test_a_word_typed_with_marks_means_that_word(catalog, typed, total, first):
    # Regression: every reading of `ban` was a match of `bán` (47 articles).
    result = find(catalog, typed)
    assert (result.total, ids(result)[0]) == (total, first)
    assert {hit.tier for hit in result.hits[:total]} == {"precise"}


def test_a_word_without_marks_in_a_marked_query_means_it_unmarked(catalog):
    # `giao` is `giao`, not `giáo`: Ban Tuyên giáo is in nearly every sample article.
    result = find(catalog, "giao nhiệm vụ", limit=10)
    assert result.total == 7
    searcher = catalog.current().searcher
    for hit in result.hits[: result.total]:
        stored = searcher.document(id=hit.id)
        words = re.findall(r"[^\W_]+", f"{stored['title']} {stored['body']}".lower())
        assert "giao" in words
    assert "<mark>giao</mark>" not in result.hits[1].title.lower().replace(
        "<mark>giao</mark> ban", ""
    )


def test_english_words_and_names_are_not_read_as_telex(catalog):
    assert ids(find(catalog, "covid", limit=2)) == ["dl-2020-covid", "kg-2020-y-te-covid"]
    assert find(catalog, "covid").suggestion is None
    assert set(ids(find(catalog, "Le Huu Tho"))) == set(ids(find(catalog, "Lê Hữu Thọ")))
    assert find(catalog, "Lê Hữu Thọ").total == 8


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
        ("THCS", "trung học cơ sở"),
    ],
)
def test_abbreviations_find_their_expansions_and_back(catalog, short, long):
    # The same articles; the order may differ, as a marked expansion also scores exactness.
    def precise(text):
        return sorted(hit.id for hit in find(catalog, text, limit=50).hits if hit.tier == "precise")

    assert precise(short) == precise(long)
    assert find(catalog, short).total == find(catalog, long).total > 2


def test_document_codes(catalog):
    assert ids(find(catalog, "10-CT/TW")) == ["kg-2021-tong-ket-chi-thi-10", SEED]
    assert ids(find(catalog, "chi thi 10"))[0] == "kg-2021-tong-ket-chi-thi-10"
    assert ids(find(catalog, "238-QĐ/TW")) == ids(find(catalog, "238-qd/tw"))


def test_query_syntax(catalog):
    assert find(catalog, '"giao ban công tác"').total == 5
    with_covid = find(catalog, "hội nghị", limit=100)
    without = find(catalog, "hội nghị -covid", limit=100)
    assert without.total < with_covid.total
    assert "dl-2020-covid" not in ids(without)
    assert ids(find(catalog, 'title:"giao ban"', limit=3)) == [
        "kg-2025-giao-ban-q1",
        "kg-2022-giao-ban-q1",
        SEED,
    ]
    assert find(catalog, 'author:"Lâm An"').total == 7
    either = find(catalog, 'covid OR "mua bán"', limit=50)
    assert {"dl-2023-ban-hang-online", "dl-2020-covid"} <= set(ids(either))


@pytest.mark.parametrize(
    ("noise", "plain", "total"),
    [
        ('"unbalanced', "unbalanced", 0),
        ("AND OR (", "", 48),  # no word left: the newest articles
        ("- + & * ? :", "", 48),
        ("((((", "", 48),
        ("title:", "title", 0),
        ('"""', "", 48),
        ("\x00\x1f", "", 48),
        ("ồ" * 2000, "ồ" * 2000, 0),  # a word longer than any: searched, found nowhere
        ('covid OR OR OR "mua bán"', 'covid OR "mua bán"', 14),
        ("\ud800 lone surrogate", "lone surrogate", 0),
    ],
)
def test_malformed_queries_are_searched_as_plain_words(catalog, noise, plain, total):
    found, meant = find(catalog, noise), find(catalog, plain)
    assert (found.total, ids(found)) == (total, ids(meant))


def test_an_empty_query_lists_articles_newest_first(catalog):
    result = find(catalog, "", limit=3)
    assert result.total == 48
    assert ids(result) == ["kg-2025-giao-ban-q1", "ll-2025-trung-tam-chinh-tri", "vh-2025-sang-tac"]
    assert all(hit.score is None for hit in result.hits)


def test_matches_are_marked_including_folded_and_abbreviation_matches(catalog):
    hit = find(catalog, "hoi nghi giao ban cong tac khoa giao quy 3").hits[0]
    # Typed without marks, every reading is marked: `ban` marks `Ban` too.
    assert hit.title == (
        "<mark>Ban</mark> Tuyên <mark>giáo</mark> Tỉnh ủy tổ chức <mark>Hội "
        "nghị giao ban công tác Khoa giáo Quý 3</mark> năm 2021"
    )
    assert "<mark>Hội nghị giao ban công tác Khoa giáo quý 3</mark> năm 2021" in hit.snippet
    snippets = [hit.snippet for hit in find(catalog, "UBND").hits]
    assert "<mark>UBND</mark>" in snippets[0]  # written as typed ranks first
    assert any("<mark>Ủy ban nhân dân</mark>" in s for s in snippets)


def test_snippets_and_titles_escape_article_text(catalog):
    hit = find(catalog, "KH&CN").hits[0]
    assert "&amp;" in hit.snippet
    assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")


def test_filters_combine(catalog):
    result = find(catalog, "hội nghị", sectors=("Khoa giáo",), limit=100)
    assert {hit.sector for hit in result.hits} == {"Khoa giáo"}
    request = SearchRequest.from_params(
        {"q": ["hội nghị"], "from": ["06/10/2021"], "to": ["2021-12-31"], "limit": ["100"]}
    )
    dated = search(catalog, request)
    assert sorted(ids(dated)) == [SEED, "kg-2021-tong-ket-chi-thi-10", "tt-2021-giao-ban-q3"]
    topic = find(catalog, topics=("Hội nghị giao ban",), limit=100)
    assert all("Hội nghị giao ban" in hit.topics for hit in topic.hits)
    assert topic.total == 5


def test_related_to_filter(catalog):
    assert sorted(ids(find(catalog, related_to=SEED, limit=10))) == sorted(
        [
            "kg-2022-giao-ban-q1",
            "tt-2021-giao-ban-q3",
            "dl-2022-an-ninh-tu-tuong-q1",
            "tt-2022-nang-cao-chat-luong",
        ]
    )


def test_sorting_by_date(catalog):
    newest = find(catalog, "hội nghị", sort="newest", limit=100)
    assert newest.total == len(newest.hits) == 36  # the fallback fills at most ten
    dates = [hit.date[:10] for hit in newest.hits if hit.date]
    assert dates == sorted(dates, reverse=True)
    oldest = find(catalog, "hội nghị", sort="oldest", limit=100)
    assert [h.id for h in oldest.hits if h.date] == [h.id for h in newest.hits if h.date][::-1]


def test_the_newest_first_lists_only_articles_holding_the_words_then_the_labelled_fallback(
    catalog,
):
    # Regression: `bán` sorted newest listed every article holding `ban`, `Ban`, `bạn`...
    result = find(catalog, "bán hàng", sort="newest")
    assert [(hit.id, hit.tier) for hit in result.hits[:2]] == [
        ("dl-2023-ban-hang-online", "precise"),
        ("bc-2023-ban-doc-tre", "fallback"),
    ]
    assert result.total == 1
    assert sum(v.count for v in result.facets["sectors"]) == 1
    assert result.hits[1].score is not None  # the fallback is in relevance order


def test_facets_count_siblings_of_a_selection(catalog):
    plain = find(catalog, "hội nghị")
    chosen = find(catalog, "hội nghị", sectors=("Khoa giáo",))
    counts = {v.value: v.count for v in plain.facets["sectors"]}
    assert {v.value: v.count for v in chosen.facets["sectors"]} == counts
    assert [v.value for v in chosen.facets["sectors"] if v.selected] == ["Khoa giáo"]
    assert counts["Khoa giáo"] == chosen.total
    assert sum(v.count for v in chosen.facets["years"]) == chosen.total


def test_pages(catalog):
    first = find(catalog, "tỉnh", limit=5)
    second = find(catalog, "tỉnh", limit=5, page=2)
    assert first.total == second.total > 10
    assert ids(first) + ids(second) == ids(find(catalog, "tỉnh", limit=10))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": ["2021-02-30"]}, "from: impossible date '2021-02-30'"),
        ({"to": ["hôm qua"]}, "to: not a date"),
        ({"limit": ["10000"]}, "limit must be between 1 and 100"),
        ({"page": ["-1"]}, "page must be 1 or more"),
        ({"page": ["x"]}, "page must be a whole number"),
        ({"sort": ["random"]}, "sort must be one of relevance, newest, oldest"),
        ({"page": ["200"], "limit": ["100"]}, "page × limit must be at most 10000"),
        ({"from": ["2022-01-01"], "to": ["2021-01-01"]}, "the start date is after the end date"),
    ],
)
def test_bad_parameters_are_refused_clearly(params, message):
    with pytest.raises(BadQuery) as error:
        SearchRequest.from_params(params)
    assert message in error.value.message


def test_related_articles_links_first_then_similar(catalog):
    related = related_articles(catalog, SEED, limit=6)
    assert [hit.id for hit in related[:4]] == [
        "kg-2022-giao-ban-q1",
        "tt-2021-giao-ban-q3",
        "dl-2022-an-ninh-tu-tuong-q1",
        "tt-2022-nang-cao-chat-luong",
    ]
    assert len(related) == 6
    assert SEED not in [hit.id for hit in related]
    with pytest.raises(ArticleNotFound):
        related_articles(catalog, "no-such-article")


def test_result_holds_no_whoosh_types(catalog):
    import json

    json.dumps(find(catalog, "hội nghị").to_dict(), ensure_ascii=False)


def test_the_json_shape_is_every_field_and_a_copy_of_the_cached_result(catalog):
    import dataclasses

    result = search(catalog, SearchRequest(q="hội nghị", sectors=("Khoa giáo",)))
    shape = result.to_dict()
    assert result.hits and result.facets["sectors"]
    assert shape == dataclasses.asdict(result)
    shape["hits"][0]["topics"].append("changed")
    shape["facets"]["sectors"][0]["count"] = -1
    again = search(catalog, SearchRequest(q="hội nghị", sectors=("Khoa giáo",)))
    assert dataclasses.asdict(again) == {**dataclasses.asdict(result), "took_ms": again.took_ms}


def test_facet_counts_literal(catalog):
    # `giao ban` typed without marks reads as `giao ban`: the facets count only those.
    result = find(catalog, "giao ban", sectors=("Khoa giáo",))
    assert result.total == 5
    assert [(v.value, v.count, v.selected) for v in result.facets["sectors"]] == [
        ("Khoa giáo", 5, True),
        ("Báo chí - Xuất bản", 3, False),
        ("Tuyên truyền", 3, False),
        ("Dư luận xã hội", 2, False),
        ("Lý luận chính trị", 1, False),
        ("Văn hóa - Văn nghệ", 1, False),
    ]
    assert [(v.value, v.count) for v in result.facets["years"]] == [
        ("2025", 1),
        ("2023", 1),
        ("2022", 1),
        ("2020", 1),
        ("2019", 1),
    ]
    assert ("Hội nghị giao ban", 2) in [(v.value, v.count) for v in result.facets["topics"]]


def test_a_deleted_article_is_not_found_on_the_next_search(tmp_path):
    # Regression: refreshing with Searcher.refresh() kept old deletions.
    from search_service.ingest import pipeline
    from search_service.search.catalog import Catalog

    from ..records import article, write_jsonl

    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", [article(1), article(2)])], index, workers=1)
    opened = Catalog(index)
    assert find(opened, "hội nghị").total == 2
    pipeline.delete(["a1"], index)
    assert ids(find(opened, "hội nghị")) == ["a2"]
    opened.close()


def test_scores_stay_finite_when_a_title_has_no_multi_syllable_word(tmp_path):
    # Regression: Whoosh gives None, not 0, as the length of a field a document lacks; it
    # became NaN in the length array and every score of that field turned NaN.
    import math

    from search_service.ingest import pipeline
    from search_service.search.catalog import Catalog

    from ..records import article, write_jsonl

    records = [article(1, title="Covid"), article(2), article(3, title="Hội nghị giao ban")]
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", records)], index, workers=1)
    opened = Catalog(index)
    result = find(opened, "hội nghị giao ban")
    assert all(math.isfinite(hit.score) for hit in result.hits)
    assert ids(result)[0] == "a3"
    opened.close()


def _holding_every_word(catalog, text):
    from search_service.search import matching, query

    generation = catalog.current()
    found = matching.build(query.parse(text), generation.vocabulary)
    return set(generation.engine.evaluate(found.precise)[0].nonzero()[0].tolist())


def test_a_long_query_lists_the_articles_holding_its_words_then_the_best_partial_ones(catalog):
    # A description of four syllables or more: its words (as pyvi reads them, `hội nghị`,
    # `giao ban`, `công tác`) stand together in a precise match; articles missing some
    # follow, labelled, never counted.
    text = "hội nghị giao ban công tác khoa giáo quý 3"
    result = find(catalog, text, limit=10)
    numbers = [catalog.current().searcher.document_number(id=i) for i in ids(result)]
    assert result.total == 2
    assert set(numbers[:2]) == _holding_every_word(catalog, text)
    assert [hit.tier for hit in result.hits] == ["precise"] * 2 + ["fallback"] * 8
    assert ids(result)[2:4] == ["kg-2025-giao-ban-q1", "dl-2022-an-ninh-tu-tuong-q1"]


def test_a_short_query_means_every_word_anywhere(catalog):
    text = "hội nghị giao ban khoa giáo"
    assert find(catalog, text, limit=100).total == len(_holding_every_word(catalog, text)) == 3
    assert find(catalog, "giao ban khoa giáo").total == 3  # a description: words together
    assert find(catalog, "giao ban khóa").total == 6  # three syllables: each anywhere


def test_an_exclusion_typed_without_marks_leaves_out_every_reading(catalog):
    assert find(catalog, "hoi nghi -covid").total == 25
    # Typed with marks, `-giao` leaves out `giao` only, `-giáo` leaves out `giáo` only...
    without = find(catalog, "hội nghị -giao", limit=50)
    with_marks = find(catalog, "hội nghị -giáo", limit=50)
    assert (without.total, with_marks.total) == (23, 6)
    # ...typed without, every reading: here the articles without `giáo` lack `giao` too.
    assert find(catalog, "hoi nghi -giao").total == 6


def test_a_code_in_a_query_without_marks_leaves_the_reading_of_its_neighbours_alone(catalog):
    # Regression: `chi thi 10-ct/tw` numbered the code's parts as words, and each word
    # after it was read as the one before.
    result = find(catalog, "10-CT/TW tong ket")
    assert result.reading == "10 ct tw tổng kết"
    assert ids(result)[0] == "kg-2021-tong-ket-chi-thi-10"


def test_a_made_up_word_leaves_the_total_at_zero_and_is_named(catalog):
    # Regression: `hội nghị xqzvbn` found 46 articles, the made-up word silently dropped.
    result = find(catalog, "hội nghị xqzvbn")
    assert (result.total, result.missing, result.suggestion) == (0, ["xqzvbn"], None)
    assert result.facets["sectors"] == []
    assert {hit.tier for hit in result.hits} == {"fallback"}
    assert "<mark>Hội nghị</mark>" in result.hits[0].title


def test_an_abbreviation_keeps_the_other_words(catalog):
    # Regression: `TP.HCM metro` listed 163 articles without `metro`.
    assert find(catalog, "UBND xqzvbn").total == 0
    assert find(catalog, "UBND tỉnh").total == find(catalog, "Ủy ban nhân dân tỉnh").total


def test_marks_land_only_on_the_forms_searched(catalog):
    # Regression: `và` was marked for `vắc`, `đã` for `đá`: every folded reading was marked.
    hit = find(catalog, "giao ban tuyên giáo", limit=1).hits[0]
    assert hit.title == (
        "<mark>Ban Tuyên giáo</mark> Tỉnh ủy tổ chức Hội nghị <mark>giao ban</mark> công tác "
        "Khoa <mark>giáo</mark> Quý 1 năm 2022"
    )
    hit = find(catalog, "giáo dục", limit=1).hits[0]
    assert hit.title.startswith("<mark>Giáo dục</mark> nghề nghiệp")
    assert "Tuyên <mark>giáo</mark>" not in hit.snippet  # `giáo` alone is not `giáo dục`...


def test_explain_gives_the_reading_and_the_parts_of_each_score(catalog):
    hit = find(catalog, "hoi nghi", limit=1, explain=True).hits[0]
    assert hit.explain["reading"] == "hội nghị"
    assert hit.explain["tier"] == "precise"
    terms = {(part["field"], part["term"], part["kind"]) for part in hit.explain["matched"]}
    assert ("title", "hội", "restored") in terms
    assert ("title_pairs", "hội nghị", "pair") in terms
    assert find(catalog, "hoi nghi", limit=1).hits[0].explain is None


def test_typings_read_alike_share_their_results(catalog, monkeypatch):
    collected = []
    real = search_module._collect
    monkeypatch.setattr(
        search_module, "_collect", lambda *args, **kw: collected.append(1) or real(*args, **kw)
    )
    typed = [search(catalog, SearchRequest(q=text, limit=7)) for text in ("hội nghị", "HỘI NGHỊ")]
    assert len(collected) == 1
    assert [r.query for r in typed] == ["hội nghị", "HỘI NGHỊ"]
    assert typed[0].hits == typed[1].hits and typed[0].total == typed[1].total > 0
    # Explain shows each typing's own kinds of forms: computed for the request.
    search(catalog, SearchRequest(q="HỘI NGHỊ", limit=7, explain=True))
    assert len(collected) == 2


def test_a_description_typed_in_capitals_is_read_as_typed_in_lowercase(catalog, monkeypatch):
    # Capitals tell pyvi a name, except when every word has them: then they say nothing,
    # and the words that must stand together are those of the query in lowercase.
    collected = []
    real = search_module._collect
    monkeypatch.setattr(
        search_module, "_collect", lambda *args, **kw: collected.append(1) or real(*args, **kw)
    )
    texts = ("chủ động ứng phó với dịch", "CHỦ ĐỘNG ỨNG PHÓ VỚI DỊCH")
    typed = [search(catalog, SearchRequest(q=text, limit=7)) for text in texts]
    assert len(collected) == 1
    assert typed[0].hits == typed[1].hits and typed[0].total == typed[1].total > 0
