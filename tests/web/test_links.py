"""The URLs of a search page's states."""

from search_service.web.links import PageLink, Params, _pages


def test_urls_keep_the_parameters_in_order_and_drop_defaults():
    params = Params({"sort": ["relevance"], "q": [" hội nghị "], "page": ["1"], "x": ["y"]})
    assert params.url("/") == "/?q=h%E1%BB%99i+ngh%E1%BB%8B"
    assert params.url("/", page="2", sector=["A", "B"]) == (
        "/?q=h%E1%BB%99i+ngh%E1%BB%8B&sector=A&sector=B&page=2"
    )
    assert params.url("/", q=None) == "/"


def test_repeatable_parameters_toggle():
    params = Params({"sector": ["A", "B"]})
    assert params.toggled("sector", "A") == ["B"]
    assert params.toggled("sector", "C") == ["A", "B", "C"]
    assert params.has_filters


def test_pages_around_the_current_one_with_gaps():
    numbers = [link.number for link in _pages(6, 20, lambda n: f"/{n}")]
    assert numbers == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert _pages(1, 1, str) == []
    assert _pages(2, 3, str)[1] == PageLink(2, "2", True)
