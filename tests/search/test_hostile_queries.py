"""The query library under hostile input (hypothesis): parsing, matching, search and
suggestions on the sample index never fail but with BadQuery, and each answer is bounded."""

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search_service.errors import BadQuery
from search_service.search import matching, query, suggest
from search_service.search.searching import search
from search_service.search.types import MAX_DEPTH, MAX_LIMIT, SearchRequest

from ..hostile import WRONG_TYPES, hostile_text, parameters

# A hang guard, not a speed test: a search of the samples takes milliseconds.
DEADLINE_MS = 5_000
_MARK = re.compile(r"</?mark>")
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff\ud800-\udfff\ue000-\uf8ff]")


def assert_escaped(marked: str) -> None:
    """`marked` is escaped text in which only <mark> tags are markup."""
    text = _MARK.sub("", marked)
    assert "<" not in text and ">" not in text, marked
    assert html.escape(html.unescape(text)) == text, marked


@settings(max_examples=300, deadline=DEADLINE_MS)
@given(hostile_text())
def test_parse_never_fails_and_keeps_only_clean_words(text):
    parsed = query.parse(text)
    assert len(parsed.groups) <= query.MAX_CLAUSES
    for group in parsed.groups:
        for clause in group:
            assert re.search(r"[^\W_]", clause.text), clause
            assert not _INVISIBLE.search(clause.text), clause
            assert clause.field in (None, "title", "author")


@settings(max_examples=150, deadline=DEADLINE_MS)
@given(hostile_text())
def test_matching_builds_a_query_for_anything_parsed(catalog, text):
    found = matching.build(query.parse(text), catalog.current().vocabulary)
    if found is not None:
        assert found.precise is not None and found.fallback is not None


@pytest.mark.slow
@settings(max_examples=300, deadline=DEADLINE_MS)
@given(parameters())
def test_request_parameters_are_read_or_refused_clearly(pairs):
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    try:
        wanted = SearchRequest.from_params(params)
    except BadQuery as error:
        assert error.http_status == 400 and error.message
        return
    assert 1 <= wanted.limit <= MAX_LIMIT and wanted.page * wanted.limit <= MAX_DEPTH
    assert len(wanted.q) <= query.MAX_QUERY_LENGTH
    assert all(not _INVISIBLE.search(value) for value in (*wanted.sectors, *wanted.topics))


@settings(max_examples=120, deadline=DEADLINE_MS)
@given(
    q=hostile_text(),
    sort=st.sampled_from(("relevance", "newest", "oldest")),
    page=st.integers(1, 3),
    limit=st.integers(1, MAX_LIMIT),
    sectors=st.lists(st.sampled_from(("Khoa giáo", "Tuyên truyền", "<b>", "\ud800")), max_size=2),
)
def test_search_answers_any_query_with_a_well_formed_result(catalog, q, sort, page, limit, sectors):
    try:
        wanted = SearchRequest.from_params(
            {
                "q": [q],
                "sort": [sort],
                "page": [str(page)],
                "limit": [str(limit)],
                "sector": sectors,
            }
        )
    except BadQuery:
        assert len(q.strip()) > query.MAX_QUERY_LENGTH
        return
    result = search(catalog, wanted)
    assert 0 <= len(result.hits) <= limit
    precise = [hit for hit in result.hits if hit.tier == "precise"]
    assert result.total >= len(precise) + (page - 1) * limit or not precise
    assert [hit.tier for hit in result.hits] == sorted(hit.tier for hit in result.hits)[::-1]
    for hit in result.hits:
        assert_escaped(hit.title)
        assert_escaped(hit.snippet)
    assert result.to_dict()["query"] == wanted.q


@settings(max_examples=150, deadline=DEADLINE_MS)
@given(prefix=hostile_text(), limit=st.integers(-5, 20))
def test_suggestions_are_titles_or_a_clear_refusal(catalog, prefix, limit):
    try:
        found = suggest.suggest(catalog, prefix, limit)
    except BadQuery:
        assert len(prefix) > query.MAX_QUERY_LENGTH
        return
    assert len(found) <= max(1, min(limit, suggest.MAX_SUGGESTIONS))
    searcher = catalog.current().searcher
    for suggestion in found:
        assert searcher.document(id=suggestion.id)["title"] == suggestion.text


@settings(max_examples=60, deadline=DEADLINE_MS)
@given(WRONG_TYPES, WRONG_TYPES, WRONG_TYPES)
def test_numbers_and_dates_of_the_wrong_type_are_refused_with_their_name(page, limit, day):
    try:
        wanted = SearchRequest.from_params({"page": [page], "limit": [limit], "from": [day]})
    except BadQuery as error:
        assert any(name in error.message for name in ("page", "limit", "from"))
        return
    # Only plain ASCII digits are numbers: not `1_0`, `+3` nor `٣`.
    for typed, read, default in ((page, wanted.page, 1), (limit, wanted.limit, 10)):
        typed = typed.strip()
        assert read == (int(typed) if typed else default)
        assert not typed or re.fullmatch(r"[0-9]+", typed), typed


def test_a_query_of_2000_characters_is_searched_and_a_longer_one_refused(catalog):
    words = "hội nghị giao ban "
    long_query = (words * (query.MAX_QUERY_LENGTH // len(words) + 1))[: query.MAX_QUERY_LENGTH]
    assert len(long_query) == 2000
    short = search(catalog, SearchRequest(q=words))
    result = search(catalog, SearchRequest(q=long_query))
    # Only the first MAX_CLAUSES words are searched: the same words, the same articles.
    assert [h.id for h in result.hits] == [h.id for h in short.hits]
    assert result.total == short.total > 0
    with pytest.raises(BadQuery, match="q is longer than 2000 characters"):
        SearchRequest(q=long_query + "x")
    with pytest.raises(BadQuery, match="q is longer than 2000 characters"):
        suggest.suggest(catalog, long_query + "x")


@pytest.mark.parametrize(
    ("page", "limit", "refused"),
    [("100", "100", False), ("101", "100", True), ("1001", "10", True), ("9" * 5000, "1", True)],
)
def test_page_depth_is_bounded(page, limit, refused):
    if refused:
        with pytest.raises(BadQuery, match="page × limit must be at most 10000"):
            SearchRequest.from_params({"page": [page], "limit": [limit]})
    else:
        assert SearchRequest.from_params({"page": [page], "limit": [limit]}).page == 100


# Regression: `int()` read `1_0` as 10 and Arabic-Indic `٣` as 3.
@pytest.mark.parametrize("typed", ["1_0", "+3", "٣", "1e1", "0x1"])
def test_only_ascii_digits_are_numbers(typed):
    with pytest.raises(BadQuery, match=re.escape(f"page must be a whole number, not {typed!r}")):
        SearchRequest.from_params({"page": [typed]})


# Regression: a lone surrogate (undecodable bytes on the command line) reached Whoosh,
# which cannot encode it, and the CLI printed a traceback.
def test_ids_sectors_and_topics_are_normalized_as_the_index_stores_them(catalog):
    nfd = "Khoa gia\u0301o"
    assert search(catalog, SearchRequest.from_params({"sector": [nfd]})).total == 8
    surrogates = {"related_to": ["\udcff"], "sector": ["\ud800"], "topic": ["\udcff"]}
    # Nothing left of them to filter by: the whole index.
    assert search(catalog, SearchRequest.from_params(surrogates)).total == 48
